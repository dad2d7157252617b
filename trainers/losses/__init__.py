"""The contrastive loss family, each a pure function from embeddings to a scalar loss.

One module per loss, its formula, paper and shapes in its docstring:

=========================  ==========================================  =====================
name                       function                                    views
=========================  ==========================================  =====================
info_nce                   `info_nce`                                  pairs (+ hard negatives)
nt_xent                    `nt_xent`                                   pairs
contrastive                `contrastive_margin`                        pairs (+ negatives)
triplet                    `triplet`, `triplet_in_batch`               triplets, or pairs
n_pair                     `n_pair`                                    pairs (+ negatives)
nce                        `nce`                                       pairs (+ negatives)
neg                        `neg`                                       pairs (+ negatives)
soft_nearest_neighbours    `soft_nearest_neighbours`                   features + labels
lifted_structured          `lifted_structured`                         features + labels
supcon_out, supcon_in      `supcon_out`, `supcon_in`                   features + labels
=========================  ==========================================  =====================

The same names everywhere: ``temperature`` divides similarities (never a
scale: scale = 1 / temperature), ``margin`` is on the loss's own distance
scale, ``hard_negative_weight`` is a weight w (never log w). Similarity is the
cosine unless a loss's definition says otherwise (N-pair: inner product;
soft nearest neighbours and lifted: Euclidean distance of normalised features).
Nothing here draws random numbers except `nce` when handed a `torch.Generator`.

`compute_loss` maps a training batch's views (anchor, positive, negative,
labels) to any of them by name; `LOSS_NAMES` and `LOSS_INFO` list them for
config validation and help text.
"""

from trainers.losses.contrastive import contrastive_margin
from trainers.losses.info_nce import info_nce
from trainers.losses.lifted_structured import lifted_structured
from trainers.losses.n_pair import n_pair
from trainers.losses.nce import nce
from trainers.losses.neg import neg
from trainers.losses.nt_xent import nt_xent
from trainers.losses.registry import LABEL_LOSSES, LOSS_INFO, LOSS_NAMES, compute_loss
from trainers.losses.soft_nearest_neighbours import soft_nearest_neighbours
from trainers.losses.supcon import supcon_in, supcon_out
from trainers.losses.triplet import triplet, triplet_in_batch

__all__ = [
    "LABEL_LOSSES",
    "LOSS_INFO",
    "LOSS_NAMES",
    "compute_loss",
    "contrastive_margin",
    "info_nce",
    "lifted_structured",
    "n_pair",
    "nce",
    "neg",
    "nt_xent",
    "soft_nearest_neighbours",
    "supcon_in",
    "supcon_out",
    "triplet",
    "triplet_in_batch",
]
