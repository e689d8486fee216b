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
