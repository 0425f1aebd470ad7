"""The contract as a minimal Django project: settings, URLs and views, no database."""
