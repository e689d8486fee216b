"""Time certificate rendering against a minimal one-line PDF with the same font."""

import statistics
import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from kyosai import premiums
from kyosai.models import Application, Enrolment, Policy, RateTable
from kyosai.services import certificate_context
from worq.lib.pdf import render_pdf


class Command(BaseCommand):
    help = "加入証明書のPDF作成時間を、1行だけの最小PDF（同じフォント）と比べます。"

    def add_arguments(self, parser):
        parser.add_argument("-n", type=int, default=20, help="作成する枚数（既定 20）")
        parser.add_argument(
            "--all-products",
            action="store_true",
            help="同時に入れる全商品（クラブ・オプション1〜4・労災特別加入）の証明書で測る（既定はクラブ＋オプション1・4）",
        )

    def handle(self, *args, n: int, all_products: bool, **options):
        now = timezone.now()
        policy, covers = self._sample_policy(now, all_products=all_products)
        context = certificate_context(policy=policy, covers=covers, now=now)
        # Warm up both (font loading, template compilation) before timing.
        render_pdf(template="pdf/kyosai_minimal.html", context={})
        render_pdf(template="pdf/kyosai_certificate.html", context=context)
        # Interleaved, so both see the same machine load; CPU time and medians
        # keep other processes on the machine out of the figures.
        minimal, cert = [], []
        for _ in range(n):
            t, small = self._time("pdf/kyosai_minimal.html", {})
            minimal.append(t)
            t, pdf = self._time("pdf/kyosai_certificate.html", context)
            cert.append(t)
        m, c = statistics.median(minimal), statistics.median(cert)
        self.stdout.write(
            f"{n}枚ずつ（中央値）\n"
            f"最小PDF（1行・同じフォント）: {m * 1000:.1f} ms/枚, {len(small) / 1024:.1f} KB\n"
            f"加入証明書（{len(covers)}商品）: {c * 1000:.1f} ms/枚, {len(pdf) / 1024:.1f} KB\n"
            f"比: {c / m:.2f} 倍（目標 3倍以下）／大きさ {len(pdf) / 1024:.1f} KB（目標 200KB未満）"
        )

    def _time(self, template, context):
        start = time.process_time()
        data = render_pdf(template=template, context=context)
        return time.process_time() - start, data

    def _sample_policy(self, now, *, all_products: bool = True):
        """An unsaved policy with every product, so nothing is written."""
        policy = Policy(
            number="WQK-BENCH-000001", holder_name="山田 太郎", issued_at=now, verify_token="x" * 32
        )
        start = premiums.first_of_next_month(timezone.localdate(now))
        covers = []
        chosen = [("club", {}), ("life", {"plan": "B"}), ("income", {"job_class": 1, "benefit": 200000})]
        if all_products:
            # Every product a member can hold at once: the longest certificate
            # there is. The two 労災 products exclude each other and print the
            # same line, so the freelance one stands for both.
            chosen += [
                ("medical", {"daily": 5000, "payment": "whole_life"}),
                ("liability", {}),
                ("rosai_freelance", {"daily": 8000}),
            ]
        for product, choice in chosen:
            table = RateTable.objects.in_force(start).filter(product=product).first()
            covers.append(
                Enrolment(
                    product=product,
                    rate_table=table,
                    status="approved",
                    cover_start=start,
                    cover_end=premiums.cover_end(start),
                    application=Application(),
                    **choice,
                )
            )
        return policy, covers
