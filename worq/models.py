from django.db import models
from django.urls import reverse


class Page(models.Model):
    """Staff-editable fixed pages: 利用規約, プライバシーポリシー, 運営について."""

    slug = models.SlugField("スラッグ", unique=True)
    title = models.CharField("タイトル", max_length=200)
    body = models.TextField("本文（Markdown）")
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "固定ページ"
        verbose_name_plural = "固定ページ"
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("page", kwargs={"slug": self.slug})
