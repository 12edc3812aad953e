"""Speed and memory: ``qa bench`` (tiers of a growing archive) and ``qa bench --load`` (concurrent chat users)."""
