"""``{% stable "name" value … %}…{% endstable %}``: a part of a page that reads
the same for everyone, kept rendered until the content changes
(``worq.lib.pagecache.remember``). The values name what the part depends on
besides the content (a kana row, a page number).

Only wrap parts without anything personal: no user, tier, name or form that
posts. A part that renders a CSRF token is never kept."""

from django import template

from worq.lib.pagecache import remember

register = template.Library()


class StableNode(template.Node):
    def __init__(self, name: str, values, nodelist):
        self.name, self.values, self.nodelist = name, values, nodelist

    def render(self, context):
        parts = tuple(str(v.resolve(context)) for v in self.values)
        html = remember("fragment:" + self.name, parts, lambda: self._render(context))
        if html is None:  # it held a CSRF token: rendered for this request only
            return self.nodelist.render(context)
        return html

    def _render(self, context):
        html = self.nodelist.render(context)
        return None if "csrfmiddlewaretoken" in html else html


@register.tag
def stable(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError('{% stable %} needs a name: {% stable "name" value … %}')
    name = bits[1].strip("\"'")
    nodelist = parser.parse(("endstable",))
    parser.delete_first_token()
    return StableNode(name, [parser.compile_filter(b) for b in bits[2:]], nodelist)
