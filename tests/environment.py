"""Test-wide environment, set before Django reads its settings (loaded with -p in pyproject.toml): a throwaway secret key; the rest comes from DATABASE_URL and REDIS_URL."""
import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")
# The test client and live server speak plain HTTP; tests/test_security.py turns the HTTPS settings on.
os.environ.setdefault("HTTPS", "off")
# The live server's thread must not keep a connection open, or the test database cannot be dropped.
os.environ.setdefault("CONN_MAX_AGE", "0")
