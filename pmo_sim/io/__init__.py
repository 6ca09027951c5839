"""Every reader and writer at the edge: scenario files, schedule imports, exports."""
