"""Signing (issue 11): personal certificates, PAdES signatures in order (GVCN → hiệu trưởng →
the school's seal), signing batches, and the public /verify page behind every QR code."""
