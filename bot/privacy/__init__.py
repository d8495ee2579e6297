"""The personal-data check (PDPA B.E. 2562): what a submitted file's text holds that should not
go public unnoticed. Extraction and OCR run in the worker as an outbox effect; findings are kept
masked, by the file's hash, and shown only to the submitter and the approvers."""
