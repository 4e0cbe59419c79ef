"""Reports and the pictures in them: charts (Vega-Lite via Altair, rendered by vl-convert) and
the HTML / PDF report."""
