"""Reports: records turned into typed figures and rows, the workbook writer, and the hospital's
confirmations read back."""
