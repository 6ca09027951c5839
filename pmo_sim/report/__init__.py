"""What people read: text tables, charts and the self-contained HTML report."""
