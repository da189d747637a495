"""What the synthetic CRM exports of :mod:`allocator.sample` are made of, and how names are built.

The vocabulary lives in compact text tables (``中文|English|weight``) parsed at import, so it
reads like a spreadsheet. Every entry carries its Chinese text and its English or pinyin
counterpart, so one set of random draws renders into either language. Weights are rough shares
of a Chinese B2B pipeline that only need to look plausible to a sales manager.

The builders at the bottom turn index arrays into names and e-mails for a million rows without a
Python loop: pieces are looked up in object arrays of ready-made strings and joined with a few
whole-array additions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np

__all__ = [
    "BRAND_CHARS",
    "BUSINESS_WORDS",
    "INDUSTRIES",
    "INTENTS",
    "LEVELS",
    "REFERRAL_SOURCE",
    "REGIONS",
    "SOURCES",
    "STAGES",
    "YES_NO",
    "City",
    "Industry",
    "Province",
    "Region",
    "codes",
    "company_names",
    "norm",
    "obj",
    "people",
    "rep_name",
]


class City(NamedTuple):
    zh: str
    en: str
    weight: float


class Province(NamedTuple):
    zh: str
    en: str
    weight: float
    cities: tuple[City, ...]


class Region(NamedTuple):
    zh: str
    en: str
    weight: float
    provinces: tuple[Province, ...]


class Industry(NamedTuple):
    zh: str
    en: str
    weight: float
    value_scale: float
    """Multiplies the typical deal size: finance and real estate deals are larger."""
    win_factor: float
    """Multiplies a rep's base win rate: some industries are simply harder to close."""


def _fields(item: str) -> list[str]:
    return [part.strip() for part in item.split("|")]


def _regions(table: str) -> tuple[Region, ...]:
    """Region lines, then indented ``province = city; city`` lines below each."""
    regions: list[Region] = []
    for line in filter(str.strip, table.splitlines()):
        if not line.startswith(" "):
            zh, en, w = _fields(line)
            regions.append(Region(zh, en, float(w), ()))
            continue
        head, cities = line.split("=")
        zh, en, w = _fields(head)
        parsed = tuple(City(c[0], c[1], float(c[2])) for c in map(_fields, cities.split(";")))
        last = regions[-1]
        regions[-1] = last._replace(provinces=(*last.provinces, Province(zh, en, float(w), parsed)))
    return tuple(regions)


# Ordered by sales weight: small teams cover only the first regions.
REGIONS = _regions("""
华东|East China|0.32
 上海|Shanghai|0.22 = 上海|Shanghai|1
 江苏|Jiangsu|0.22 = 南京|Nanjing|.3; 苏州|Suzhou|.35; 无锡|Wuxi|.15; 常州|Changzhou|.1; 南通|Nantong|.1
 浙江|Zhejiang|0.2 = 杭州|Hangzhou|.45; 宁波|Ningbo|.25; 温州|Wenzhou|.1; 绍兴|Shaoxing|.1; 嘉兴|Jiaxing|.1
 山东|Shandong|0.14 = 济南|Jinan|.35; 青岛|Qingdao|.4; 烟台|Yantai|.15; 潍坊|Weifang|.1
 福建|Fujian|0.1 = 福州|Fuzhou|.35; 厦门|Xiamen|.4; 泉州|Quanzhou|.25
 安徽|Anhui|0.07 = 合肥|Hefei|.75; 芜湖|Wuhu|.25
 江西|Jiangxi|0.05 = 南昌|Nanchang|.7; 赣州|Ganzhou|.3
华南|South China|0.2
 广东|Guangdong|0.78 = 广州|Guangzhou|.35; 深圳|Shenzhen|.35; 东莞|Dongguan|.12; 佛山|Foshan|.12; 珠海|Zhuhai|.06
 广西|Guangxi|0.14 = 南宁|Nanning|.55; 柳州|Liuzhou|.25; 桂林|Guilin|.2
 海南|Hainan|0.08 = 海口|Haikou|.6; 三亚|Sanya|.4
华北|North China|0.18
 北京|Beijing|0.45 = 北京|Beijing|1
 天津|Tianjin|0.18 = 天津|Tianjin|1
 河北|Hebei|0.18 = 石家庄|Shijiazhuang|.5; 唐山|Tangshan|.3; 保定|Baoding|.2
 山西|Shanxi|0.1 = 太原|Taiyuan|.7; 大同|Datong|.3
 内蒙古|Inner Mongolia|0.09 = 呼和浩特|Hohhot|.6; 包头|Baotou|.4
华中|Central China|0.12
 湖北|Hubei|0.38 = 武汉|Wuhan|.7; 宜昌|Yichang|.15; 襄阳|Xiangyang|.15
 河南|Henan|0.34 = 郑州|Zhengzhou|.7; 洛阳|Luoyang|.3
 湖南|Hunan|0.28 = 长沙|Changsha|.75; 株洲|Zhuzhou|.25
西南|Southwest China|0.1
 四川|Sichuan|0.42 = 成都|Chengdu|.85; 绵阳|Mianyang|.15
 重庆|Chongqing|0.3 = 重庆|Chongqing|1
 云南|Yunnan|0.14 = 昆明|Kunming|.8; 曲靖|Qujing|.2
 贵州|Guizhou|0.12 = 贵阳|Guiyang|.75; 遵义|Zunyi|.25
 西藏|Xizang|0.02 = 拉萨|Lhasa|1
西北|Northwest China|0.04
 陕西|Shaanxi|0.55 = 西安|Xi'an|.85; 宝鸡|Baoji|.15
 甘肃|Gansu|0.14 = 兰州|Lanzhou|1
 新疆|Xinjiang|0.17 = 乌鲁木齐|Urumqi|1
 宁夏|Ningxia|0.08 = 银川|Yinchuan|1
 青海|Qinghai|0.06 = 西宁|Xining|1
东北|Northeast China|0.04
 辽宁|Liaoning|0.5 = 沈阳|Shenyang|.5; 大连|Dalian|.5
 吉林|Jilin|0.22 = 长春|Changchun|.75; 吉林|Jilin|.25
 黑龙江|Heilongjiang|0.28 = 哈尔滨|Harbin|.8; 大庆|Daqing|.2
""")  # noqa: E501 - one province per line reads better than wrapped fragments

# industry|English|weight|value scale|win factor = what such firms do (business words).
_INDUSTRY_TABLE = """
制造业|Manufacturing|.2|1.2|1 = 精密机械|Precision Machinery; 汽车零部件|Auto Parts; 电子科技|Electronic Technology; 新材料|New Materials; 模具|Mould; 智能装备|Intelligent Equipment; 包装材料|Packaging Materials; 五金制品|Hardware Products
信息技术|Information Technology|.16|1|1.2 = 软件|Software; 信息技术|Information Technology; 网络科技|Network Technology; 数据科技|Data Technology; 智能科技|Intelligent Technology; 云计算|Cloud Computing; 信息系统|Information Systems
金融|Finance|.08|2|.65 = 投资管理|Investment Management; 融资租赁|Financial Leasing; 保险代理|Insurance Agency; 资产管理|Asset Management; 商业保理|Commercial Factoring; 小额贷款|Microfinance
教育|Education|.1|.5|1.25 = 教育科技|Education Technology; 文化传播|Culture Media; 职业培训|Vocational Training; 教育咨询|Education Consulting; 留学服务|Study Abroad Services
医疗健康|Healthcare|.1|1.3|.8 = 医疗器械|Medical Devices; 生物科技|Biotechnology; 医药|Pharmaceutical; 健康管理|Health Management; 医院管理|Hospital Management; 诊断技术|Diagnostics
零售|Retail|.12|.6|1.1 = 商贸|Trading; 百货|Department Store; 连锁超市|Supermarket Chain; 电子商务|E-commerce; 便利店|Convenience Stores; 食品|Food
物流|Logistics|.1|.8|1 = 物流|Logistics; 供应链管理|Supply Chain Management; 国际货运代理|International Freight Forwarding; 仓储服务|Warehousing; 快运|Express Freight
房地产|Real Estate|.06|1.8|.55 = 置业|Properties; 房地产开发|Real Estate Development; 物业服务|Property Services; 不动产|Realty; 城市建设|Urban Construction
能源|Energy|.08|1.6|.85 = 新能源科技|New Energy Technology; 电力工程|Power Engineering; 光伏科技|Photovoltaic Technology; 燃气|Gas; 储能技术|Energy Storage; 石化|Petrochemical
"""  # noqa: E501 - one industry per line, like the province table
_industry_lines = [line.split("=") for line in _INDUSTRY_TABLE.strip().splitlines()]
INDUSTRIES = tuple(
    Industry(f[0], f[1], *map(float, f[2:])) for f in (_fields(h) for h, _ in _industry_lines)
)
BUSINESS_WORDS: tuple[tuple[tuple[str, str], ...], ...] = tuple(
    tuple((w[0], w[1]) for w in map(_fields, words.split(";"))) for _, words in _industry_lines
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    items = text.split()
    return tuple(zip(items[::2], items[1::2], strict=True))


def _triples(text: str) -> tuple[tuple[str, str, str], ...]:
    items = text.split()
    return tuple(zip(items[::3], items[1::3], items[2::3], strict=True))


# Two of these make a brand (恒远, Hengyuan): characters Chinese firms favour.
BRAND_CHARS = _pairs("""
恒 heng 华 hua 鼎 ding 瑞 rui 嘉 jia 博 bo 信 xin 达 da 通 tong 泰 tai 盛 sheng 丰 feng 源 yuan
远 yuan 宏 hong 德 de 金 jin 鑫 xin 永 yong 新 xin 安 an 卓 zhuo 诚 cheng 创 chuang 汇 hui 海 hai
天 tian 中 zhong 宇 yu 启 qi 明 ming 峰 feng 锦 jin 润 run 益 yi 和 he 凯 kai 晟 sheng 腾 teng
星 xing 辰 chen 云 yun 智 zhi 联 lian 众 zhong 万 wan 合 he 聚 ju 耀 yao 弘 hong 昊 hao 亿 yi
长 chang 隆 long 祥 xiang 骏 jun 航 hang 晶 jing 东 dong 方 fang 光 guang 辉 hui 佳 jia 建 jian
江 jiang 俊 jun 康 kang 科 ke 乐 le 力 li 立 li 良 liang 麟 lin 美 mei 南 nan 鹏 peng 奇 qi
荣 rong 如 ru 山 shan 尚 shang 胜 sheng 世 shi 舜 shun 顺 shun 思 si 拓 tuo 伟 wei 维 wei 文 wen
翔 xiang 欣 xin 兴 xing 旭 xu 亚 ya 扬 yang 银 yin 盈 ying 优 you 裕 yu 元 yuan 悦 yue 泽 ze
正 zheng 志 zhi 致 zhi 尊 zun 北 bei 贝 bei 宝 bao 百 bai
""")
ZH_SUFFIXES = (("有限公司", 0.6), ("股份有限公司", 0.15), ("有限责任公司", 0.12),
               ("集团有限公司", 0.08), ("集团", 0.05))  # fmt: skip
EN_SUFFIXES = (("Co., Ltd.", 0.6), ("Inc.", 0.12), ("LLC", 0.1), ("Group", 0.08),
               ("Group Co., Ltd.", 0.05), ("Corporation", 0.05))  # fmt: skip

# Surname, pinyin, rough share in percent.
SURNAMES = tuple(
    (s, p, float(w))
    for s, p, w in _triples("""
王 Wang 7.1 李 Li 7.0 张 Zhang 6.7 刘 Liu 5.4 陈 Chen 4.5 杨 Yang 3.1 黄 Huang 2.3 赵 Zhao 2.3
吴 Wu 2.1 周 Zhou 2.0 徐 Xu 1.7 孙 Sun 1.5 马 Ma 1.5 朱 Zhu 1.3 胡 Hu 1.3 郭 Guo 1.2 何 He 1.2
高 Gao 1.1 林 Lin 1.1 罗 Luo 1.0 郑 Zheng 1.0 梁 Liang 0.9 谢 Xie 0.8 宋 Song 0.8 唐 Tang 0.8
许 Xu 0.7 韩 Han 0.7 冯 Feng 0.7 邓 Deng 0.7 曹 Cao 0.6 彭 Peng 0.6 曾 Zeng 0.6 肖 Xiao 0.6
田 Tian 0.5 董 Dong 0.5 袁 Yuan 0.5 潘 Pan 0.5 于 Yu 0.5 蒋 Jiang 0.5 蔡 Cai 0.5 余 Yu 0.4
杜 Du 0.4 叶 Ye 0.4 程 Cheng 0.4 苏 Su 0.4 魏 Wei 0.4 吕 Lyu 0.4 丁 Ding 0.4 任 Ren 0.4 沈 Shen 0.4
""")
)
GIVEN_CHARS = _pairs("""
伟 wei 芳 fang 娜 na 敏 min 静 jing 丽 li 强 qiang 磊 lei 军 jun 洋 yang 勇 yong 艳 yan 杰 jie
娟 juan 涛 tao 明 ming 超 chao 秀 xiu 霞 xia 平 ping 刚 gang 桂 gui 英 ying 华 hua 俊 jun 文 wen
辉 hui 建 jian 玲 ling 鹏 peng 宇 yu 浩 hao 婷 ting 雪 xue 琳 lin 晨 chen 欣 xin 怡 yi 嘉 jia 子 zi
梓 zi 涵 han 博 bo 思 si 佳 jia 志 zhi 海 hai 峰 feng 斌 bin 凯 kai 晓 xiao 红 hong 丹 dan 萍 ping
蕾 lei 倩 qian 颖 ying 健 jian 宁 ning 瑶 yao
""")
# How Chinese CRM users often record a contact: surname plus a form of address (王总, 李老师).
ZH_TITLES = ("总", "经理", "女士", "先生", "主任", "老师")
EN_FIRST_NAMES = _words("""
James Emma Oliver Sophia William Olivia Henry Amelia Lucas Isabella Daniel Mia Matthew Charlotte
Jack Grace Samuel Chloe Thomas Emily Andrew Hannah Ryan Lily Michael Zoe David Ella Ethan Lucy
Nathan Sarah Adam Kate Peter Laura Kevin Rachel Brian Julia Eric Anna Jason Alice Mark Claire
Steven Helen
""")
EN_LAST_NAMES = _words("""
Smith Johnson Brown Taylor Miller Wilson Moore Anderson Thomas Jackson White Harris Martin
Thompson Walker Young Allen King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell
Roberts Carter Phillips Evans Turner Parker Collins Edwards Stewart Morris Murphy Cook Rogers
Morgan Cooper Peterson Reed Bailey Bell Howard Ward
""")

SOURCES = (("官网注册", "Website", 0.25), ("展会咨询", "Trade Show", 0.15),
           ("转介绍", "Referral", 0.15), ("电话营销", "Cold Call", 0.15),
           ("线上广告", "Online Ads", 0.2), ("合作伙伴", "Partner", 0.1))  # fmt: skip
REFERRAL_SOURCE = 2
"""Index of 转介绍 in SOURCES: those rows may name the customer who referred them."""
INTENTS = (("高", "high"), ("中", "medium"), ("低", "low"))
STAGES = (("新建", "new"), ("已联系", "contacted"), ("需求确认", "qualified"),
          ("方案提交", "proposal"), ("商务谈判", "negotiation"), ("成交", "won"),
          ("输单", "lost"))  # fmt: skip
LEVELS = (("新人", "junior"), ("资深", "senior"), ("主管", "lead"))
YES_NO = (("是", "yes"), ("否", "no"))


def obj(items: Iterable[str]) -> np.ndarray:
    """Object array of str: indexing it copies pointers, so a lookup costs no string work."""
    return np.array(list(items), dtype=object)


def norm(weights: Sequence[float]) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return w / w.sum()


def codes(values: np.ndarray, width: int, prefix: str = "") -> np.ndarray:
    """Zero-padded text of non-negative ints (``C0000123``), assembled as code points."""
    points = np.empty((values.size, len(prefix) + width), dtype=np.uint32)
    for k, char in enumerate(prefix):
        points[:, k] = ord(char)
    rest = values.astype(np.int64)
    for k in range(len(prefix) + width - 1, len(prefix) - 1, -1):
        rest, digit = np.divmod(rest, 10)
        points[:, k] = digit + ord("0")
    return points.view(f"U{width + len(prefix)}").ravel().astype(object)


def company_names(
    rng: np.random.Generator, li: int, industry: np.ndarray, city: np.ndarray, cities: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """City (often) + two-character brand + what the firm does + legal form; and the brand index."""
    n = industry.size
    counts = np.array([len(words) for words in BUSINESS_WORDS])
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    word = offsets[industry] + (rng.random(n) * counts[industry]).astype(np.int64)
    suffixes = ZH_SUFFIXES if li == 0 else EN_SUFFIXES
    suffix = rng.choice(len(suffixes), n, p=norm([s[1] for s in suffixes]))
    words = [w for group in BUSINESS_WORDS for w in group]
    tail = obj(w[0] + s if li == 0 else f" {w[1]} {s}" for w in words for s, _ in suffixes)
    bc, k = BRAND_CHARS, len(BRAND_CHARS)
    b1 = rng.integers(0, k, n)
    brand = b1 * k + (b1 + rng.integers(1, k, n)) % k  # two different characters: no 恒恒
    shown = obj(a[0] + b[0] if li == 0 else a[1].capitalize() + b[1] for a in bc for b in bc)
    places = obj(c if li == 0 else c + " " for c in cities)
    prefix = np.where(rng.random(n) < 0.7, places[city], "")
    return prefix + shown[brand] + tail[word * len(suffixes) + suffix], brand


def people(rng: np.random.Generator, li: int, brand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Contact names and e-mails, at the company's own domain (``brand`` index) or free mail."""
    n, gc, sn = brand.size, GIVEN_CHARS, SURNAMES
    # One- or two-character given names, as one table of len(gc) + len(gc)² entries.
    g1, g2 = rng.integers(0, len(gc), (2, n))
    given = np.where(rng.random(n) < 0.65, len(gc) + g1 * len(gc) + g2, g1)
    first = obj([g[1] for g in gc] + [a[1] + b[1] for a in gc for b in gc])[given]
    sur = rng.choice(len(sn), n, p=norm([s[2] for s in sn]))
    family = obj(s[1].lower() for s in sn)[sur]
    dot_family = obj("." + s[1].lower() for s in sn)[sur]
    if li == 0:
        given_zh = obj([g[0] for g in gc] + [a[0] + b[0] for a in gc for b in gc])[given]
        titles = obj(s[0] + t for s in sn for t in ZH_TITLES)
        titled = titles[sur * len(ZH_TITLES) + rng.integers(0, len(ZH_TITLES), n)]
        name = np.where(rng.random(n) < 0.15, titled, obj(s[0] for s in sn)[sur] + given_zh)
    else:
        english = rng.random(n) < 0.3  # foreign staff, or an English name on the business card
        fi = rng.integers(0, len(EN_FIRST_NAMES), n)
        la = rng.integers(0, len(EN_LAST_NAMES), n)
        caps = [g[1].capitalize() for g in gc] + [a[1].capitalize() + b[1] for a in gc for b in gc]
        name = np.where(english, obj(f + " " for f in EN_FIRST_NAMES)[fi], obj(caps)[given] + " ")
        name = name + np.where(english, obj(EN_LAST_NAMES)[la], obj(s[1] for s in sn)[sur])
        first = np.where(english, obj(f.lower() for f in EN_FIRST_NAMES)[fi], first)
        family = np.where(english, obj(x.lower() for x in EN_LAST_NAMES)[la], family)
        dot_family = np.where(english, obj("." + x.lower() for x in EN_LAST_NAMES)[la], dot_family)
    style = rng.random(n) < 0.5  # wangwei@… or wei.wang@…
    local = np.where(style, family, first) + np.where(style, first, dot_family)
    corporate = rng.random(n) < 0.6
    pick = rng.integers(0, 3, n)  # which free-mail provider, or which corporate top-level domain
    qq = ~corporate & (pick == 2) & (li == 0)
    # Free-mail users need a number to find an address not yet taken (wangwei1988@163.com).
    numbered = ~corporate & ~qq
    local[numbered] += obj(str(k) for k in range(10_000))[rng.integers(1, 10_000, numbered.sum())]
    qq_numbers = codes(rng.integers(100_000, 3_000_000_000, int(qq.sum())), 10).astype(str)
    local[qq] = np.strings.lstrip(qq_numbers, "0").astype(object)
    free = ("163.com", "126.com", "qq.com") if li == 0 else ("163.com", "outlook.com", "gmail.com")
    tlds = (".com", ".cn", ".com.cn")
    domains = obj(f"@{a[1]}{b[1]}{t}" for a in BRAND_CHARS for b in BRAND_CHARS for t in tlds)
    domain = np.where(corporate, domains[brand * 3 + pick], obj("@" + d for d in free)[pick])
    return name, local + domain


def rep_name(rng: np.random.Generator, li: int, taken: set[str]) -> tuple[str, str]:
    """A rep's name not in ``taken`` (which it joins), and the matching e-mail local part."""
    for attempt in range(10_000):
        if li == 0:
            sur = SURNAMES[int(rng.choice(len(SURNAMES), p=norm([s[2] for s in SURNAMES])))]
            count = 1 + int(rng.random() < 0.7)
            given = [GIVEN_CHARS[int(j)] for j in rng.integers(0, len(GIVEN_CHARS), count)]
            name = sur[0] + "".join(g[0] for g in given)
            local = sur[1].lower() + "".join(g[1] for g in given)
        else:
            first = EN_FIRST_NAMES[int(rng.integers(0, len(EN_FIRST_NAMES)))]
            last = EN_LAST_NAMES[int(rng.integers(0, len(EN_LAST_NAMES)))]
            # Big English teams run out of first/last pairs: a middle initial tells them apart.
            middle = f" {chr(65 + int(rng.integers(0, 26)))}." if attempt >= 20 else ""
            name, local = f"{first}{middle} {last}", f"{first}.{last}".lower()
        if name not in taken:
            taken.add(name)
            return name, local
    raise ValueError("cannot invent that many distinct rep names")
