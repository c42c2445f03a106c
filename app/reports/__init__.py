"""Reports: báo liên lạc, học bạ and sổ theo dõi PDFs drawn only from approved snapshots (issue 10)."""
