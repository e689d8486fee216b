"""Shared vocabularies (INTERFACES.md). The stored value is the Japanese name."""

from django.db import models


class Occupation(models.TextChoices):
    CARE = "ベビーシッター・保育・家事代行", "ベビーシッター・保育・家事代行"
    DELIVERY = "配送・デリバリー・貨物", "配送・デリバリー・貨物"
    IT_CREATIVE = "IT・クリエイティブ・ライター", "IT・クリエイティブ・ライター"
    INSTRUCTOR = "インストラクター・トレーナー", "インストラクター・トレーナー"
    CONSTRUCTION = "建設・一人親方", "建設・一人親方"
    OTHER = "その他", "その他"


class ConsultationCategory(models.TextChoices):
    PAY = "報酬・支払い", "報酬・支払い"
    CONTRACT = "契約・取引条件", "契約・取引条件"
    TERMINATION = "契約解除・打ち切り", "契約解除・打ち切り"
    HARASSMENT = "ハラスメント", "ハラスメント"
    WORKER_STATUS = "働き方・労働者性", "働き方・労働者性"
    INSURANCE_TAX = "社会保険・税金", "社会保険・税金"
    INJURY = "労災・けが・病気", "労災・けが・病気"
    COPYRIGHT = "著作権・知的財産", "著作権・知的財産"
    PRIVACY = "個人情報・秘密保持", "個人情報・秘密保持"
    UNEMPLOYMENT = "失業・雇用保険", "失業・雇用保険"
    PLATFORM = "プラットフォーム・アプリ", "プラットフォーム・アプリ"
    OTHER = "その他", "その他"


class WorkStyle(models.TextChoices):
    OUTSOURCING = "業務委託", "業務委託"
    CONTRACTING = "請負", "請負"
    SIDE_JOB = "副業・兼業", "副業・兼業"
    FREELANCE = "フリーランス", "フリーランス"
    PLATFORM = "プラットフォームワーク", "プラットフォームワーク"
    OTHER = "その他", "その他"


class Sex(models.TextChoices):
    MALE = "male", "男性"
    FEMALE = "female", "女性"


PREFECTURES = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
]
Prefecture = models.TextChoices("Prefecture", [(p, p) for p in PREFECTURES])
