"""事務事業実績: the office's annual activity report, its figures and their counting rules."""
