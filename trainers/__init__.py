"""The torch side of simcse-tui: encoding, evaluation, training and export.

Never imports textual, rich or plotext. The UI may import only the modules that
use the standard library alone (`events`, `config`, `errors`); importing this
package itself imports nothing heavy.
"""
