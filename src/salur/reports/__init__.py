"""Reports people read: HTML pages with tables and charts (PDFs and maps join later)."""
