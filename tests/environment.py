"""Test-wide environment: a throwaway secret key; the rest comes from DATABASE_URL and REDIS_URL."""
import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")
