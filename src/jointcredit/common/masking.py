"""Masking of natural persons' data on public surfaces (DESIGN.md §6: 张*, 370102********1234) and of
contact addresses (l***@example.com, 138****5678)."""


def mask_person_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        return ""
    if len(name) == 1:
        return "*"
    return name[0] + "*" * (len(name) - 1)


def mask_id_number(number: str) -> str:
    number = (number or "").strip()
    if len(number) <= 8:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_email(email: str) -> str:
    """l***@example.com: enough for the holder to recognise the address on file, nothing more."""
    local, _, domain = (email or "").partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_phone(phone: str) -> str:
    """138****5678 / 0531-****1234: the first three and the last four digits stay."""
    phone = (phone or "").strip()
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
