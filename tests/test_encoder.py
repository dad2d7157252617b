"""The one encode path: poolers against hand-built formulas, padding excluded, order kept, round trips."""

from __future__ import annotations

import pytest
import torch

from trainers.encoder import EncoderSpec, encode, load_encoder, masked_mean, save_encoder
from trainers.errors import ModelLoadError
from trainers.random_model import build_random_bert

SENTENCES = ["a cat sat on the mat", "dogs bark", "the weather is lovely today, is it not?", "dogs bark"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> str:
    return str(build_random_bert(tmp_path_factory.mktemp("tiny"), seed=3))


def states(encoder, sentences):
    batch = encoder.tokenize(sentences)
    with torch.no_grad():
        out = encoder.backbone(**batch, output_hidden_states=True)
    return batch["attention_mask"], out


def test_masked_mean_ignores_padding() -> None:
    x = torch.tensor([[[1.0], [3.0], [100.0]]])  # the third token is padding
    assert masked_mean(x, torch.tensor([[1, 1, 0]])).item() == pytest.approx(2.0)


@pytest.mark.parametrize("pooler", ["cls", "cls_before_pooler", "avg", "avg_top2", "avg_first_last"])
def test_each_pooler_uses_the_documented_hidden_states(tiny: str, pooler: str) -> None:
    encoder = load_encoder(tiny, pooler=pooler).eval()
    mask, out = states(encoder, SENTENCES[:3])
    m = mask.unsqueeze(-1).float()
    h = out.hidden_states

    def mean(t):
        return (t * m).sum(1) / m.sum(1)

    expected = {
        "cls": out.pooler_output,
        "cls_before_pooler": out.last_hidden_state[:, 0],
        "avg": mean(out.last_hidden_state),
        "avg_top2": mean((h[-1] + h[-2]) / 2),
        "avg_first_last": mean((h[1] + h[-1]) / 2),  # h[1]: first transformer layer, not the embeddings
    }[pooler]
    got = encode(encoder, SENTENCES[:3], batch_size=2)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-4)


def test_avg_first_last_is_not_the_embedding_layer(tiny: str) -> None:
    encoder = load_encoder(tiny, pooler="avg_first_last").eval()
    mask, out = states(encoder, SENTENCES[:1])
    m = mask.unsqueeze(-1).float()
    simcse_bug = ((out.hidden_states[0] + out.hidden_states[-1]) / 2 * m).sum(1) / m.sum(1)
    assert not torch.allclose(encode(encoder, SENTENCES[:1]), simcse_bug, atol=1e-4)


def test_a_sentence_embeds_the_same_alone_and_padded_in_a_batch(tiny: str) -> None:
    encoder = load_encoder(tiny, pooler="avg")
    alone = encode(encoder, ["dogs bark"], batch_size=1)
    together = encode(encoder, ["dogs bark", SENTENCES[2]], batch_size=2)[:1]
    torch.testing.assert_close(alone, together, atol=1e-5, rtol=1e-5)


def test_encode_keeps_input_order_with_duplicates_and_normalises(tiny: str) -> None:
    encoder = load_encoder(tiny, pooler="avg")
    vectors = encode(encoder, SENTENCES, batch_size=2, normalize=True)
    one_by_one = torch.cat([encode(encoder, [s], normalize=True) for s in SENTENCES])
    torch.testing.assert_close(vectors, one_by_one, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(vectors.norm(dim=1), torch.ones(4))
    torch.testing.assert_close(vectors[1], vectors[3])


def test_encode_reports_progress_and_restores_training_mode(tiny: str) -> None:
    encoder = load_encoder(tiny, pooler="avg").train()
    seen = []
    encode(encoder, SENTENCES, batch_size=1, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]  # 3 unique sentences
    assert encoder.training


def test_mlp_head_train_only_vs_always(tiny: str) -> None:
    train_only = load_encoder(tiny, pooler="avg", mlp="train")
    batch = train_only.tokenize(SENTENCES[:2])
    torch.manual_seed(0)
    train_only.backbone.eval()  # no dropout, so the only difference is the head
    pooled = train_only.pool(train_only.backbone_outputs(**batch), batch["attention_mask"])
    train_only.train()
    train_only.backbone.eval()
    torch.testing.assert_close(train_only(**batch), train_only.mlp(pooled))
    train_only.eval()
    torch.testing.assert_close(train_only(**batch), pooled)
    always = load_encoder(tiny, pooler="avg", mlp="always").eval()
    always.mlp.load_state_dict(train_only.mlp.state_dict())
    torch.testing.assert_close(always(**batch), always.mlp(pooled))


def test_save_and_load_round_trip_keeps_spec_and_head(tiny: str, tmp_path) -> None:
    encoder = load_encoder(tiny, pooler="avg_top2", mlp="always", max_seq_length=16)
    torch.nn.init.normal_(encoder.mlp.dense.weight)
    save_encoder(encoder, tmp_path / "ckpt")
    again = load_encoder(str(tmp_path / "ckpt"))
    assert again.spec == EncoderSpec(pooler="avg_top2", mlp="always", max_seq_length=16, base_model=tiny)
    torch.testing.assert_close(encode(again, SENTENCES), encode(encoder, SENTENCES))


def test_missing_model_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(ModelLoadError) as err:
        load_encoder(str(tmp_path / "nope"))
    assert "cannot load model" in err.value.message and err.value.hint


def test_unknown_pooler_is_rejected(tiny: str) -> None:
    with pytest.raises(ModelLoadError, match="unknown pooler"):
        load_encoder(tiny, pooler="max")
