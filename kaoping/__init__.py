"""Kaoping (考评): government performance evaluation and supervision."""
