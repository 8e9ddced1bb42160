"""What leaves the vault as files or figures: the export wizard and its pages, public
statistics, the quote review and the dashboard."""
