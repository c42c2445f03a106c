"""Operations: health check, start-up guards for several workers, backups and restore."""
