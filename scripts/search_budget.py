"""What a phone downloads for one search, on generated villages of 1,000 and 10,000 notices.

    python3 scripts/search_budget.py                  # 1,000 and 10,000 notices
    python3 scripts/search_budget.py --sizes 1000     # one size

Notices are generated with varied text (titles from a list of village matters, bodies of
sentences with names, amounts, dates and places drawn at random, a table of households in
most), indexed with ``villageboard.kinds.search.Index`` exactly as the build does, and each query is
planned as ``layouts/static/search.js`` plans it: the posting shards of its bigrams, then the
documents of the first page of results (10), checked one by one. Bytes are file sizes without
compression (a page opened from disk, or a server that does not gzip).
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from villageboard.kinds import search  # noqa: E402

QUERIES = ["低保", "补贴", "医保", "报销", "修路", "村民代表会议", "秀英", "2026年", "党费 第三季度", "护栏"]
PAGE = 10

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "秀英桂兰建华志明淑芬大海锡飞小燕玉梅国强文军红霞春生秋菊冬梅永福金花德胜美芳长根水生荣华丽娟海燕建国卫东"
PLACES = ["上溪片", "中溪片", "下溪片", "后山", "村口", "老祠堂", "溪边", "东坡", "西岭", "南湾", "北塘"]
TOPICS = [
    ("低保", "最低生活保障对象公示"), ("惠农补贴", "耕地地力保护补贴发放情况公示"), ("医保", "城乡居民医保参保缴费通知"),
    ("医保", "大病医疗费用报销情况公示"), ("项目建设", "村道修路工程开工公告"), ("项目建设", "路灯维修工程验收公示"),
    ("三会一课", "“三会一课”落实情况"), ("党费收缴", "党费收缴情况公示"), ("主题党日", "主题党日活动安排"),
    ("党员发展", "拟发展党员公示"), ("村民代表会议", "关于召开村民代表会议的通知"), ("选举", "村民委员会选举选民名单公告"),
    ("宅基地", "宅基地申请审批结果公示"), ("救助", "临时救助对象公示"), ("养老", "高龄津贴发放名单公示"),
    ("防汛", "汛期安全值班安排"), ("卫生", "人居环境整治检查结果通报"), ("教育", "助学金发放公示"),
    ("就业", "农村劳动力技能培训报名通知"), ("一事一议", "“一事一议”筹资方案征求意见"), ("土地", "土地流转合同公示"),
    ("危房", "农村危房改造对象公示"), ("残疾", "残疾人两项补贴发放公示"), ("征兵", "适龄青年兵役登记通知"),
]
SENTENCES = [
    "经村“两委”研究，现将有关情况公示如下。", "对公示有异议的，请于{d}前向村务监督委员会反映。",
    "本次共涉及{n}户{m}人，发放金额{a}元。", "{p}的{name}等{n}户因病致贫，经民主评议列入救助范围。",
    "工程由{p}至{q}，全长约{n}00米，预算{a}元，资金来源为上级专项补助和一事一议筹资。",
    "请各位村民于{d}前到村部二楼办理，带好户口簿和一卡通。", "医疗费用报销比例为{n}0%，年度报销上限{a}元。",
    "{name}同志已于{d}交纳党费{n}0.00元。", "会议由村党支部书记{name}主持，应到{m}人，实到{n}人。",
    "村民代表会议审议通过了{p}路灯维修和溪边护栏建设方案。", "补贴标准为每亩{n}.50元，通过惠民惠农财政补贴资金一卡通发放到户。",
    "施工期间请绕行{p}，注意安全，给大家带来不便，敬请谅解。", "网格长{name}负责{p}的入户走访和政策宣传。",
    "按照县民政局的要求，低保对象实行动态管理，应退尽退，应保尽保。", "党员要带头参加人居环境整治，清理房前屋后垃圾。",
    "今年汛期雨量偏多，{p}沟渠已于{d}完成清淤。", "合作医疗缴费标准为每人每年{n}0元，请于{d}前缴清。",
]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN[::2]) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


def generate(count: int, seed: int = 1) -> list[search.Document]:
    """``count`` notices, oldest first, as the index sees a notice (category, summary, unit, body)."""
    rng = random.Random(seed)
    docs = []
    start_year = 2026 - count // 150
    for i in range(count):
        year = start_year + i * (2026 - start_year + 1) // count
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        category, topic = rng.choice(TOPICS)
        title = rng.choice([f"{year}年{topic}", f"{year}年第{'一二三四'[month // 4 % 4]}季度{topic}", topic])

        def fill(s: str) -> str:
            return s.format(d=f"{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日", n=rng.randint(2, 60),
                            m=rng.randint(60, 300), a=f"{rng.randint(1, 99)},{rng.randint(100, 999)}.00",
                            p=rng.choice(PLACES), q=rng.choice(PLACES), name=_name(rng))

        body = [fill(rng.choice(SENTENCES)) for _ in range(rng.randint(4, 10))]
        if rng.random() < 0.7:
            body += [f"第{rng.randint(1, 3)}网格 {_name(rng)} {rng.randint(1, 5)} {rng.randint(100, 2999)}.00"
                     for _ in range(rng.randint(3, 12))]
        summary = fill(rng.choice(SENTENCES))
        text = search._join(category, summary, "村民委员会", *body)
        docs.append(search.Document(f"affairs/n{i}.html", title, "村务公开", f"{year}-{month:02d}-{day:02d}", "", text))
    docs.sort(key=lambda d: (d.date, d.path))
    return docs


def downloads(files: dict[str, str], documents: list[search.Document], meta_shards: int, query: str) -> dict:
    """The files search.js loads for ``query`` and its first page of results, and their bytes."""
    terms = search.terms(query)  # as search.js reads a query
    keyed = [t for t in terms if len(t) >= 2]
    keys = [search.lookup_keys(t) for t in keyed]
    shards = sorted({search.shard_of(k, meta_shards) for ks in keys for k in ks})
    loaded = ["search-index.js"] + [f"search/p/{n}.js" for n in shards]
    maps = {n: _shard(files[f"search/p/{n}.js"]) for n in shards}
    lists = [[dict((d, (t, b)) for d, t, b in search.decode_postings(maps[search.shard_of(k, meta_shards)].get(k, "")))
              for k in ks] for ks in keys]
    flat = [l for ls in lists for l in ls]
    ids = set.intersection(*(set(l) for l in flat)) if flat else set()

    def estimate(i):
        in_title = sum(all(l[i][0] > 0 for l in ls) for ls in lists)
        hits = min(l[i][0] + l[i][1] for l in flat)
        return (-in_title, -min(hits, 5), -i)

    shown = 0
    for i in sorted(ids, key=estimate):
        if shown >= PAGE:
            break
        loaded.append(f"search/d/{i}.js")
        doc = documents[i]
        if all(t in search.fold(doc.title) or t in search.fold(doc.text) for t in terms):
            shown += 1
    return {"query": query, "candidates": len(ids), "files": len(loaded),
            "bytes": sum(len(files[f].encode()) for f in loaded)}


def _shard(script: str) -> dict:
    import json
    return json.loads(script[script.index("=", script.index("]")) + 1:].rstrip().rstrip(";"))


def measure(count: int) -> tuple[dict, list[dict]]:
    documents = generate(count)
    index = search.Index(documents)
    files = dict(index.files())
    total = sum(len(t.encode()) for t in files.values())
    postings = sum(len(t.encode()) for f, t in files.items() if f.startswith("search/p/"))
    summary = {"notices": count, "shards": index.shards, "files": len(files), "total": total, "postings": postings,
               "largest_shard": max(len(t.encode()) for f, t in files.items() if f.startswith("search/p/"))}
    return summary, [downloads(files, documents, index.shards, q) for q in QUERIES]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args()
    for count in args.sizes:
        summary, rows = measure(count)
        print(f"\n{count:,} notices: {summary['shards']} shards, {summary['files']:,} index files, "
              f"{summary['total'] / 1024:,.0f} KiB in all ({summary['postings'] / 1024:,.0f} KiB postings, "
              f"largest shard {summary['largest_shard'] / 1024:.1f} KiB)")
        print("| query | candidates | files loaded | KiB |\n|---|---:|---:|---:|")
        for r in rows:
            print(f"| {r['query']} | {r['candidates']:,} | {r['files']} | {r['bytes'] / 1024:.1f} |")
        ordered = sorted(r["bytes"] for r in rows)
        print(f"median {ordered[len(ordered) // 2] / 1024:.1f} KiB, largest {ordered[-1] / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
