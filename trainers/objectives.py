"""Objectives differ only in how they build views; they share one loss core and one loop.

Every objective turns a batch of example indices into token-id rows, view
after view, so the whole batch goes through the encoder in ONE forward pass:

    unsup-simcse   [x_1..x_b ; x_1..x_b]            dropout is the only noise
    mirror-bert    [x_1..x_b ; span_mask(x)_1..b]   plus dropout
    sup-simcse     [anchor ; entailment ; contradiction]
    labelled       [x_1..x_b]                       with class labels

The encoder's output (V*b, H) is viewed as (V, b, H) and handed to
`trainers.losses.compute_loss` as anchor / positive / negative.

Data is tokenised once, before training (`tokenize_columns`); batches pad
dynamically to their longest row (`collate`). Randomness (span positions, MLM
masks) comes from a `torch.Generator` passed in, never the global one.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from trainers.data.training import TrainingData

VIEWS = {"unsup-simcse": 2, "mirror-bert": 2, "sup-simcse": 3, "labelled": 1}


@dataclass
class TokenizedData:
    """Token ids per column (anchors, then positives and negatives where present)."""

    columns: list[list[list[int]]]
    labels: list[int] | None

    def __len__(self) -> int:
        return len(self.columns[0])

    @property
    def lengths(self) -> list[int]:
        """Longest row of each example across its columns (what its batch pads to)."""
        return [max(len(col[i]) for col in self.columns) for i in range(len(self))]


def tokenize_columns(data: TrainingData, tokenizer, max_length: int) -> TokenizedData:
    texts = [data.anchors] + [c for c in (data.positives, data.negatives) if c is not None]
    columns = [tokenizer(list(col), truncation=True, max_length=max_length, padding=False,
                         return_attention_mask=False, return_token_type_ids=False)["input_ids"]
               for col in texts]
    return TokenizedData(columns=columns, labels=data.labels)


@dataclass
class Views:
    """Rows for one forward pass, view-major, plus the labels of the anchors (if any)."""

    rows: list[list[int]]
    num_views: int
    labels: torch.Tensor | None


def build_views(objective: str, data: TokenizedData, indices: list[int], *, mask_token_id: int | None,
                span_length: int, generator: torch.Generator) -> Views:
    anchors = [data.columns[0][i] for i in indices]
    labels = torch.tensor([data.labels[i] for i in indices]) if data.labels is not None else None
    if objective == "unsup-simcse":
        return Views(anchors + anchors, 2, None)
    if objective == "mirror-bert":
        if mask_token_id is None:
            raise ValueError("mirror-bert needs a tokenizer with a mask token")
        masked = [span_mask(row, span_length, mask_token_id, generator) for row in anchors]
        return Views(anchors + masked, 2, None)
    if objective == "sup-simcse":
        positives = [data.columns[1][i] for i in indices]
        negatives = [data.columns[2][i] for i in indices]
        return Views(anchors + positives + negatives, 3, None)
    return Views(anchors, 1, labels)


def span_mask(row: list[int], span_length: int, mask_token_id: int, generator: torch.Generator) -> list[int]:
    """Replace `span_length` consecutive tokens at a random position with the mask token.

    The first and last ids ([CLS], [SEP]) are never masked. The span is placed
    by position, so a word that occurs twice is masked where it was chosen.
    A row with fewer content tokens than the span keeps at least one unmasked.
    """
    content = len(row) - 2
    span = min(span_length, content - 1)
    if span <= 0:
        return list(row)
    start = 1 + int(torch.randint(0, content - span + 1, (1,), generator=generator))
    return row[:start] + [mask_token_id] * span + row[start + span:]


def collate(rows: list[list[int]], pad_id: int, multiple: int = 1) -> dict[str, torch.Tensor]:
    """Pad rows to the longest one, rounded up to `multiple`: input_ids and attention_mask, both (R, L).

    On CUDA the trainer rounds to 8: tensor cores want it, and length-grouped
    batches then come in a handful of shapes instead of one per length (each new
    shape costs kernel selection and, when compiled, a recompile).
    """
    longest = max(len(r) for r in rows)
    longest = -(-longest // multiple) * multiple
    input_ids = torch.full((len(rows), longest), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(rows), longest), dtype=torch.long)
    for i, row in enumerate(rows):
        input_ids[i, :len(row)] = torch.tensor(row, dtype=torch.long)
        attention_mask[i, :len(row)] = 1
    return {"input_ids": input_ids, "attention_mask": attention_mask}


def split_views(embeddings: torch.Tensor, num_views: int) -> list[torch.Tensor]:
    """(V*b, H) -> V tensors of (b, H), in view order."""
    return list(embeddings.view(num_views, -1, embeddings.shape[-1]).unbind(0))


def mlm_mask(input_ids: torch.Tensor, attention_mask: torch.Tensor, tokenizer, probability: float,
             generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT's masking for the auxiliary MLM loss: of the chosen tokens, 80% [MASK], 10% random, 10% kept.

    Returns (masked input ids, labels) with label -100 where nothing is predicted.
    Special tokens and padding are never chosen.
    """
    special = torch.zeros_like(input_ids, dtype=torch.bool)
    for token_id in tokenizer.all_special_ids:
        special |= input_ids == token_id
    candidates = attention_mask.bool() & ~special
    chosen = (torch.rand(input_ids.shape, generator=generator) < probability) & candidates
    labels = torch.where(chosen, input_ids, torch.full_like(input_ids, -100))
    masked = input_ids.clone()
    draw = torch.rand(input_ids.shape, generator=generator)
    masked[chosen & (draw < 0.8)] = tokenizer.mask_token_id
    random_tokens = torch.randint(len(tokenizer), input_ids.shape, generator=generator)
    use_random = chosen & (draw >= 0.8) & (draw < 0.9)
    masked[use_random] = random_tokens[use_random]
    return masked, labels
