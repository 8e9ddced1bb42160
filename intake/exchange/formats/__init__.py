"""The file formats records and results are written in: JSON Lines, the export folder, the
statistics files, the HTML reports and the codebook."""
