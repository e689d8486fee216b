from members.models import NetworkMembership
from worq.lib.hooks import register_key_number

register_key_number(
    order=10,
    label="連合ネットワーク会員数",
    unit="人",
    count=lambda: NetworkMembership.objects.active().count(),
)
