"""Reports: báo liên lạc, học bạ and sổ theo dõi drawn from approved snapshots (issue 10)."""
