"""The live screen: charts of the ticked runs (sidebar, traces, downsampling, plotext charts)."""
