"""Renderers that turn plain data into files people see: PDFs, rich-menu images, charts, workbooks."""
