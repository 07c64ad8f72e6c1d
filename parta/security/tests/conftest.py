from parta.security.tests.sms_server import smsru_server  # noqa: F401  (fixture)
