from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """School accounts are issued, not self-made (ACC-2).

        Self-registration of adult learners (ACC-1) opens it for them in its own flow.
        """
        return False
