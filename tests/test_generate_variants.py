"""samples/generate.py's layout variants, new document types and the exif_rotate
degradation: ground truth that validates and is printed on the page, every type and several
layouts in a --count-per-type set, same seed same bytes, EXIF-turned photos that come out
upright, and the committed samples unchanged. Small sets at low resolution: about 30 s."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO
from PIL import Image, ImageOps

if str(REPO) not in sys.path:  # samples/ is imported from the repo root (samples/README.md)
    sys.path.insert(0, str(REPO))

from extractors.codes import is_valid_id_number, is_valid_registration_no, is_valid_uscc  # noqa: E402
from extractors.fields import TERM_FIELDS  # noqa: E402
from samples import generate as g  # noqa: E402

# Seeds picked so a 3-per-type set holds an old-format licence, three ID-card layouts, all
# three qualification designs and both address proofs (VARIED_SEED), and a 1-per-type --hard
# set holds EXIF-turned photos (HARD_SEED).
VARIED_SEED = 29
HARD_SEED = 4
LOW_DPI = 100
USCC_KEYS = {"uscc", "principal_uscc", "holder_uscc"}
ID_KEYS = {"id_number", "agent_id_number"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _truths(folder: Path) -> dict[str, dict]:
    out = {}
    for path in sorted(folder.glob("*.json")):
        truth = json.loads(path.read_text(encoding="utf-8"))
        if "doc_type" in truth:
            out[path.stem] = truth
    return out


def _tree_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def varied(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("varied")
    g.generate(out, seed=VARIED_SEED, count_per_type=3, dpi=LOW_DPI, crm_path=out / "crm.csv")
    return out


def _extractor_keys() -> dict[str, set[str]]:
    """Per type, the keys `dossier extract` can emit, so `bench accuracy` can score them."""
    spec = tomllib.loads((REPO / "extractors" / "doc_types.toml").read_text(encoding="utf-8"))
    keys: dict[str, set[str]] = {}
    for doc_type, body in spec.items():
        names: set[str] = {"title"}  # printed, not scored (ingest/bench.py UNSCORED)
        for name, field in body.get("fields", {}).items():
            if field["kind"] in ("term", "id_term"):
                names.update(TERM_FIELDS[name])
            else:
                names.add(name)
            if field["kind"] == "money":
                names.add(f"{name}_text")
        keys[doc_type] = names
    return keys


def test_committed_samples_unchanged(tmp_path):
    """The command in the module docstring still writes samples/ byte for byte."""
    g.generate(tmp_path / "scans", seed=g.DEFAULT_SEED, crm_path=tmp_path / "crm.csv")
    assert _tree_bytes(tmp_path / "scans") == _tree_bytes(REPO / "samples" / "scans")
    for name in ("crm.csv", "crm_planted.json"):
        assert (tmp_path / name).read_bytes() == (REPO / "samples" / name).read_bytes(), name


def test_count_per_type_holds_every_type_and_mixed_layouts(varied):
    truths = _truths(varied)
    per_type: dict[str, list[dict]] = {}
    for stem, truth in truths.items():
        if not stem.endswith("_textlayer"):
            per_type.setdefault(truth["doc_type"], []).append(truth)
    assert set(per_type) == set(g.ALL_TYPES)
    assert {"qualification", "address_proof"} <= set(per_type)
    assert all(len(docs) == 3 for docs in per_type.values()), {t: len(d) for t, d in per_type.items()}
    for truth in truths.values():
        assert truth["layout"] in g.VARIANTS[truth["doc_type"]]
    layouts = {t: {d["layout"] for d in docs} for t, docs in per_type.items()}
    assert len(layouts["business_licence"]) > 1 and "old_registration_no" in layouts["business_licence"]
    assert len(layouts["id_card"]) > 1
    assert layouts["qualification"] == set(g.QUALIFICATION_DESIGNS)
    assert layouts["address_proof"] == set(g.ADDRESS_PROOF_DESIGNS)
    # The PDF twin is the same page as its image.
    assert truths["business_licence_01_textlayer"]["fields"] == truths["business_licence_01"]["fields"]
    assert truths["business_licence_01_textlayer"]["layout"] == truths["business_licence_01"]["layout"]


def test_ground_truth_codes_validate(varied):
    seen = set()
    for stem, truth in _truths(varied).items():
        fields = truth["fields"]
        for key, value in fields.items():
            if key in USCC_KEYS:
                assert is_valid_uscc(value), (stem, key, value)
            elif key in ID_KEYS:
                assert is_valid_id_number(value, today=g.AS_OF), (stem, key, value)
            elif key == "registration_no":
                assert is_valid_registration_no(value), (stem, value)
            seen.add(key)
        if truth["doc_type"] == "business_licence":
            # A licence prints either a USCC or (old format) a registration number.
            assert ("uscc" in fields) != ("registration_no" in fields), stem
            assert ("registration_no" in fields) == (truth["layout"] == "old_registration_no"), stem
    assert {"uscc", "holder_uscc", "principal_uscc", "id_number", "agent_id_number", "registration_no"} <= seen


def test_ground_truth_keys_are_what_the_extractor_emits(varied):
    allowed = _extractor_keys()
    for stem, truth in _truths(varied).items():
        extra = set(truth["fields"]) - allowed[truth["doc_type"]]
        assert not extra, (stem, extra)
    quals = [t for t in _truths(varied).values() if t["doc_type"] == "qualification"]
    assert all(set(t["fields"]) == {"cert_name", "cert_no", "holder", "holder_uscc", "valid_to"} for t in quals)
    assert all(set(t["fields"]) == {"address"} for t in _truths(varied).values() if t["doc_type"] == "address_proof")


def test_id_card_sides_hold_only_their_fields(varied):
    front = {"name", "sex", "ethnicity", "birth_date", "address", "id_number"}
    back = {"authority", "valid_from", "valid_to"}
    world = g.make_world(VARIED_SEED, dict.fromkeys(g.ALL_TYPES, 3))
    customer = world.customers[0]
    for variant, keys in (("standard", front | back), ("side_by_side", front | back),
                          ("front_only", front), ("back_only", back)):
        for k in range(3):
            _, fields = g.VARIANTS["id_card"][variant](customer, world, random.Random(k))
            assert set(fields) == keys, variant


def _page_text(page: g.Page) -> str:
    return "".join(op.text for op in page.ops if isinstance(op, g.Text)).replace(" ", "").replace("　", "")


def _printed(value, text: str) -> bool:
    if isinstance(value, str) and ISO_DATE.match(value):
        d = dt.date.fromisoformat(value)
        return any(f in text for f in (g.cn_date(d), g.cn_date(d, pad=False), f"{d:%Y.%m.%d}", value))
    return str(value).replace(" ", "") in text


@pytest.mark.parametrize("doc_type", sorted(g.VARIANTS))
def test_every_layout_prints_its_ground_truth(doc_type):
    """Each value in `fields` is on the page (dates in any printed form; numbers of yuan
    excepted), for every layout of the type and several customers."""
    world = g.make_world(VARIED_SEED, dict.fromkeys(g.ALL_TYPES, 3))
    for variant, layout in g.VARIANTS[doc_type].items():
        fits = g.VARIANT_FITS.get((doc_type, variant), lambda c: True)
        customers = [c for c in world.customers if fits(c)][:4]
        assert customers, variant
        for k, customer in enumerate(customers):
            page, fields = layout(customer, world, random.Random(k))
            text = _page_text(page)
            for key, value in fields.items():
                if key in ("registered_capital", "amount", "amount_in_words"):
                    continue
                assert _printed(value, text), (doc_type, variant, key, value)
            if variant == "old_registration_no":
                assert customer.company.uscc not in text and customer.company.established < g.USCC_REFORM
            # seal_over(name)/seal_over(code) find a line to stamp on every customer document.
            targets = g.seal_targets(page, customer.company)
            if doc_type not in ("id_card", "archive_cover", "contract_amount_page") or variant == "handwritten":
                assert targets.get("name") or targets.get("code"), (doc_type, variant)


def test_layout_picks_fit_the_customer():
    world = g.make_world(VARIED_SEED, dict.fromkeys(g.ALL_TYPES, 19))
    picked = set()
    for job in world.jobs:
        if job.doc_type != "business_licence" or job.as_pdf:
            continue
        customer = world.customers[job.customer]
        name = g.pick_layout(VARIED_SEED, job.doc_type, job.stem, customer)
        assert name == g.pick_layout(VARIED_SEED, job.doc_type, job.stem, customer)  # deterministic
        if name == "old_registration_no":
            assert customer.company.established < g.USCC_REFORM
        if name == "format_2016":
            assert customer.company.established < g.LICENCE_2019
        picked.add(name)
    assert picked == set(g.VARIANTS["business_licence"])


def test_contract_pages_share_their_contract(varied):
    truths = _truths(varied)
    first = {t["customer"]: t["fields"] for t in truths.values() if t["doc_type"] == "contract_first_page"}
    for stem, truth in truths.items():
        if truth["doc_type"] in ("contract_amount_page", "contract_signature_page"):
            contract = first[truth["customer"]]
            assert truth["extra"]["contract_no"] == contract["contract_no"], stem
            if "sign_date" in truth["fields"]:
                assert truth["fields"]["sign_date"] == contract["sign_date"], stem


def test_same_seed_same_bytes_and_exif_photos(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        g.generate(out, seed=HARD_SEED, count_per_type=1, dpi=LOW_DPI, hard=True, crm_path=out / "crm.csv")
    assert _tree_bytes(a) == _tree_bytes(b)
    turned = 0
    for stem, truth in _truths(a).items():
        specs = truth["degradations"]
        exif = [s for s in specs if s.startswith("exif_rotate")]
        doc = next(p for p in a.glob(stem + ".*") if p.suffix != ".json")
        if doc.suffix == ".pdf":
            continue
        tag = Image.open(doc).getexif().get(g.EXIF_ORIENTATION_TAG)
        if exif:
            turned += 1
            assert doc.suffix == ".jpg" and specs[-1].startswith("jpeg")
            assert not any(s.startswith("rotate") for s in specs), stem
            assert tag == int(exif[0][len("exif_rotate("):-1]), stem
        else:
            assert tag is None, stem
    assert turned >= 2


def test_exif_draw_leaves_the_rest_of_the_hard_recipe():
    """Varied and base hard recipes differ only by the exif_rotate spec, so older --hard sets
    are remade exactly with --layouts base."""
    kinds = set()
    for k in range(300):
        stem = f"business_licence_{k:02d}"
        base = g.hard_recipe(random.Random(g.sub_seed(1, "hard", stem)), 300)
        varied = g.hard_recipe(random.Random(g.sub_seed(1, "hard", stem)), 300,
                               random.Random(g.sub_seed(1, "photo", stem)))
        assert tuple(s for s in varied if not s.startswith("exif_rotate")) == base
        kinds.update(s for s in varied if s.startswith("exif_rotate"))
    assert kinds == {"exif_rotate(6)", "exif_rotate(8)", "exif_rotate(3)"}


@pytest.mark.parametrize("orientation", [6, 8, 3])
def test_exif_rotate_opens_upright(tmp_path, orientation):
    world = g.make_world(VARIED_SEED, dict.fromkeys(g.ALL_TYPES, 1))
    page, _ = g.layout_business_licence(world.customers[0], world, random.Random(0))
    img = g.rasterise(page, LOW_DPI)
    paths = {}
    for name, specs in (("plain", ("jpeg(95)",)), ("turned", (f"exif_rotate({orientation})", "jpeg(95)"))):
        state = g.ScanState(np.random.default_rng(0), LOW_DPI)
        paths[name] = g.save_scan(img, specs, state, tmp_path / name)
    stored = Image.open(paths["turned"])
    assert stored.getexif()[g.EXIF_ORIENTATION_TAG] == orientation
    plain = np.asarray(Image.open(paths["plain"]).convert("L"), dtype=np.float32)
    upright = ImageOps.exif_transpose(stored)
    assert upright.size == img.size
    assert np.abs(np.asarray(upright.convert("L"), dtype=np.float32) - plain).mean() < 2.0
    # The stored pixels are really turned: sideways, or upside down.
    if orientation in (6, 8):
        assert stored.size == (img.height, img.width)
    else:
        raw = np.asarray(stored.convert("L"), dtype=np.float32)
        assert np.abs(raw - plain).mean() > 10


def test_base_layouts_remake_older_sets(tmp_path):
    """--layouts base: no new types, no variants, no EXIF turns (what earlier versions made)."""
    out = tmp_path / "base"
    g.generate(out, seed=HARD_SEED, count_per_type=1, dpi=LOW_DPI, hard=True, layouts="base")
    truths = _truths(out)
    assert {t["doc_type"] for t in truths.values()} == set(g.BASE_TYPES)
    assert all("layout" not in t for t in truths.values())
    assert not any(s.startswith("exif_rotate") for t in truths.values() for s in t["degradations"])
    with pytest.raises(ValueError):
        g.generate(tmp_path / "bad", seed=1, count_per_type=1, layouts="fancy")
