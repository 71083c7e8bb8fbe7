"""A synthetic paper archive for `dossier batch`: N bags (档案袋), one per customer, each
scanned as one multi-page PDF or as a folder of page images, with ground truth.

Every bag starts with its cover (档案袋封面: customer, archive number, date, keeper), then
the customer's documents in the bag's mix (licence, ID card, contract key pages, letter,
account proof…), and one page nothing can be recognised on (a photo-like picture: blobs,
gradients and grain) put among them. The pages are drawn by samples/generate.py's layouts
and mildly degraded by its recipes. Same seed, same bytes.

Writes into OUT:
- `bag-01.pdf`, `bag-02.pdf`, `bag-03/page-01.jpg …` (every third bag a folder of images);
- `crm.csv` (+ `crm_planted.json`, empty: no planted differences): every bag's customer, as
  generate.py writes CRM exports;
- `truth.json`: per bag its file, customer, USCC, cover fields, page count, and documents
  as batch should file them (type and first/last page; a contract's key pages are one
  document), and the unrecognised pages.

Run: python samples/make_archive.py --out /tmp/archive --bags 3 --seed 7 [--mix small]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate as g  # noqa: E402  (samples/generate.py, beside this file)

UNRECOGNISED = "unrecognised"
# Document mixes, cycled over the bags (the cover comes first in every bag).
MIXES: dict[str, list[list[str]]] = {
    "full": [
        ["business_licence", "id_card", "authorization_letter", "contract_first_page", "contract_amount_page",
         "contract_signature_page", "bank_account_proof"],
        ["business_licence", "contract_first_page", "contract_signature_page", "bank_account_proof"],
        ["business_licence", "id_card", "authorization_letter", "bank_account_proof"],
    ],
    # Few pages, for tests (OCR costs ~2.5 s a page): 4 + 3 + 3 pages before unrecognised ones.
    "small": [
        ["business_licence", "contract_first_page", "contract_signature_page"],
        ["id_card", "bank_account_proof"],
        ["business_licence", "authorization_letter"],
    ],
}
CONTRACT_TYPES = ("contract_first_page", "contract_amount_page", "contract_signature_page")


def photo_page(seed: int, dpi: int = 150) -> Image.Image:
    """An A4 page with nothing to read on it: a photo-like picture (soft gradient, coloured
    blobs, grain), as a photo put in a bag would scan."""
    rng = np.random.default_rng(seed)
    w, h = round(210 / 25.4 * dpi), round(297 / 25.4 * dpi)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([120 + 80 * np.sin(x / w * 3 + c) * np.cos(y / h * 2 + c) for c in rng.uniform(0, 6, 3)], axis=-1)
    img = Image.fromarray(base.clip(0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(40):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(w * 0.03, w * 0.2)
        colour = tuple(int(v) for v in rng.integers(30, 230, 3))
        draw.ellipse((cx - r, cy - r * rng.uniform(0.5, 1.5), cx + r, cy + r), fill=colour)
    img = img.filter(ImageFilter.GaussianBlur(radius=dpi / 25))
    grain = rng.normal(0, 10, (h, w, 1))
    return Image.fromarray((np.asarray(img, dtype=np.float32) + grain).clip(0, 255).astype(np.uint8), "RGB")


def _world(seed: int, n: int) -> g.World:
    """N plain customers (no planted CRM differences) and the firm (乙方 of contracts)."""
    rng = random.Random(g.sub_seed(seed, "archive-world"))
    used: set[str] = set()
    customers = []
    for _ in range(n):
        company = g.make_company(rng, None, used)
        customers.append(g.Customer(
            company=company, role=None, manager=g.person_name(rng, rng.choice("男女")),
            department=rng.choice(g.DEPARTMENTS), contact=company.legal_rep.name,
            phone=f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}",
            customer_class=rng.choice(g.CUSTOMER_CLASSES),
        ))
    firm = g.make_company(rng, None, used)
    return g.World(seed=seed, customers=tuple(customers), firm=firm, jobs=())


def _encode(img: Image.Image, dpi: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85, dpi=(dpi, dpi))
    return buf.getvalue()


def _pdf(pages: list[tuple[bytes, int, tuple[int, int]]]) -> bytes:
    """Page images (JPEG bytes, dpi, size) as a PDF, one page each, embedded as they are."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt")
    pdf.set_creation_date(g.PDF_DATE)
    pdf.set_auto_page_break(False)
    for data, dpi, (w_px, h_px) in pages:
        w, h = w_px * 72 / dpi, h_px * 72 / dpi
        pdf.add_page(format=(w, h))
        pdf.image(io.BytesIO(data), 0, 0, w, h)
    return bytes(pdf.output())


def make_archive(out: Path | str, bags: int = 3, seed: int = 7, mix: str = "full", unrecognised: str = "each",
                 image_bags: str = "third", dpi: int = g.DEFAULT_DPI) -> dict:
    """Write the archive into `out`; returns the ground truth (also in truth.json).
    `unrecognised`: "each" bag gets one unrecognisable page, only the "first" bag, or "none".
    `image_bags`: "third" (every third bag a folder of images), "none" or "all"."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    world = _world(seed, bags)
    mixes = MIXES[mix]
    # Jobs first: the contract amount and signature pages find their contract's first page
    # among the world's jobs (generate._contract_of), by stem.
    plans = []
    jobs = []
    for b in range(bags):
        types = ["archive_cover", *mixes[b % len(mixes)]]
        plans.append(types)
        for k, t in enumerate(types):
            jobs.append(g.Job(t, b, f"bag{b + 1:02d}_{k + 1:02d}_{t}", ()))
    world = g.World(seed=world.seed, customers=world.customers, firm=world.firm, jobs=tuple(jobs))
    truth: dict = {"seed": seed, "crm": "crm.csv", "bags": []}
    contract_no: dict[int, str] = {}
    files_by_customer: dict[int, list[str]] = {}
    archive_nos: set[str] = set()
    for b, types in enumerate(plans):
        customer = world.customers[b]
        images = image_bags == "all" or (image_bags == "third" and b % 3 == 2)
        name = f"bag-{b + 1:02d}" + ("" if images else ".pdf")
        rendered: list[tuple[Image.Image, int, str]] = []  # image, dpi, what
        cover_fields = {}
        for k, t in enumerate(types):
            stem = f"bag{b + 1:02d}_{k + 1:02d}_{t}"
            salt = 0
            while True:
                rng = random.Random(g.sub_seed(seed, "doc", stem + ("" if not salt else f"#{salt}")))
                page, fields = g.LAYOUTS[t](customer, world, rng)
                if t != "archive_cover" or fields["archive_no"] not in archive_nos:
                    break
                salt += 1  # two bags may not share an archive number
            if t == "archive_cover":
                archive_nos.add(fields["archive_no"])
                cover_fields = fields
            if t == "contract_first_page":
                contract_no[b] = fields["contract_no"]
            img = g.rasterise(page, dpi)
            recipes = g.MILD_RECIPES[t]
            specs = [s for s in recipes[b % len(recipes)] if not s.startswith("jpeg")]
            state = g.ScanState(np.random.default_rng(g.sub_seed(seed, "scan", stem)), dpi,
                                targets=g.seal_targets(page, customer.company), seal_text=customer.company.name)
            img = g.degrade(img, specs, state)
            rendered.append((img, state.dpi, t))
        if unrecognised == "each" or (unrecognised == "first" and b == 0):
            at = min(2, len(rendered))  # among the documents: after the cover and the first one
            rendered.insert(at, (photo_page(g.sub_seed(seed, "photo", b)), 150, UNRECOGNISED))
        # Ground truth: documents as batch should make them.
        documents: list[dict] = []
        for n, (_, _, t) in enumerate(rendered, start=1):
            prev = documents[-1] if documents else None
            if (prev and t in CONTRACT_TYPES and t != "contract_first_page" and prev["doc_type"] == "contract_first_page"
                    and prev["pages"][1] == n - 1):
                prev["pages"][1] = n
                prev["page_types"].append(t)
                continue
            documents.append({"doc_type": "unknown" if t == UNRECOGNISED else t, "pages": [n, n], "page_types": [t]})
        if images:
            folder = out / name
            folder.mkdir(exist_ok=True)
            for n, (img, page_dpi, _) in enumerate(rendered, start=1):
                (folder / f"page-{n:02d}.jpg").write_bytes(_encode(img, page_dpi))
        else:
            pages = [(_encode(img, page_dpi), page_dpi, img.size) for img, page_dpi, _ in rendered]
            (out / name).write_bytes(_pdf(pages))
        truth["bags"].append({
            "bag": name + ("/" if images else ""),
            "format": "images" if images else "pdf",
            "customer": customer.company.name,
            "uscc": customer.company.uscc,
            "legal_rep": customer.company.legal_rep.name,
            "cover": cover_fields,
            "pages": len(rendered),
            "page_types": [t for _, _, t in rendered],
            "documents": documents,
            "unrecognised_pages": [n for n, (_, _, t) in enumerate(rendered, start=1) if t == UNRECOGNISED],
        })
        files_by_customer[b] = [name]
    g.write_crm(world, files_by_customer, contract_no, out / "crm.csv")
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return truth


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the bags, crm.csv and truth.json")
    parser.add_argument("--bags", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--mix", choices=sorted(MIXES), default="full", help="documents per bag: full (4-7 documents) or small (2-3)")
    parser.add_argument("--unrecognised", choices=("each", "first", "none"), default="each",
                        help="an unrecognisable page in each bag, in the first only, or in none")
    parser.add_argument("--image-bags", choices=("third", "none", "all"), default="third",
                        help="which bags are folders of page images rather than PDFs")
    parser.add_argument("--dpi", type=int, default=g.DEFAULT_DPI)
    args = parser.parse_args(argv)
    truth = make_archive(args.out, args.bags, args.seed, args.mix, args.unrecognised, args.image_bags, args.dpi)
    for bag in truth["bags"]:
        docs = ", ".join(f"{d['doc_type']} p{d['pages'][0]}-{d['pages'][1]}" for d in bag["documents"])
        print(f"{bag['bag']}: {bag['customer']} {bag['cover']['archive_no']}, {bag['pages']} pages: {docs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
