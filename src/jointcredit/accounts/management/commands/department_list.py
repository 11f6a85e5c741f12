from django.core.management.base import BaseCommand

from jointcredit.accounts.selectors import department_list


class Command(BaseCommand):
    help = "列出部门代码和名称。"

    def handle(self, *args, **o):
        for d in department_list(active_only=False):
            roles = "/".join(x for x, on in (("发起", d.is_initiating), ("配合", d.is_cooperating)) if on)
            self.stdout.write(f"{d.code}\t{d.name}\t{roles}{'（信用办）' if d.is_credit_office else ''}")
