from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed

from magazine import queries
from magazine.models import Article


class ArticleFeed(Feed):
    feed_type = Atom1Feed
    title = "Wor-Q Magazine"
    link = reverse_lazy("magazine:home")
    subtitle = "フリーランスの困りごと・疑問・悩みにこたえるwebマガジン"
    author_name = "Wor-Q編集部"

    def items(self):
        return queries.published_articles()[:30]

    def item_title(self, item: Article) -> str:
        return item.title

    def item_description(self, item: Article) -> str:
        return item.lead

    def item_pubdate(self, item: Article):
        return item.published_at

    def item_updateddate(self, item: Article):
        return max(item.updated_at, item.published_at)

    def item_author_name(self, item: Article) -> str:
        return item.author_byline

    def item_categories(self, item: Article):
        return [item.category.name, *(tag.name for tag in item.tags.all())]
