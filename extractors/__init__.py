"""Reading documents: image preparation, OCR, classification and field extraction."""
