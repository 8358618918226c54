"""Editors' logins: the admin site's login with an optional second factor, its setting-up pages and the lockout page.

Throttling is django-axes' and the second factor django-otp's (TOTP); this app holds the project's rules
around them: who must use a second factor, and what an editor sees.
"""
