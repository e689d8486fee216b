from kyosai import services, views
from worq.lib.hooks import (
    register_deletion_blocker,
    register_deletion_handler,
    register_exporter,
    register_mypage_section,
)

register_mypage_section(order=30, template="kyosai/includes/mypage.html", context=views.mypage_context)
register_exporter(services.personal_data_export)
register_deletion_blocker(services.deletion_blockers)
register_deletion_handler(services.personal_data_delete)

# 共済金・保険金の請求
register_mypage_section(
    order=31, template="kyosai/includes/mypage_claims.html", context=views.mypage_claims_context
)
register_exporter(services.claim_personal_data_export)
register_deletion_blocker(services.claim_deletion_blockers)
register_deletion_handler(services.claim_personal_data_delete)
