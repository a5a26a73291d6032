"""The names, places, e-mail domains and phone plans Brightlane's customers come from.

Written by hand (no downloads): common English first and last names with nicknames, and
Chinese surnames and given names with their pinyin.
"""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# country: (weight, share writing Chinese, [(city, UTC offset hours, store id, weight)])
PLACES: dict[str, tuple[float, float, tuple[tuple[str, float, str | None, float], ...]]] = {
    "US": (
        0.55,
        0.0,
        (
            ("New York", -5, "S01", 0.22),
            ("San Francisco", -8, "S02", 0.14),
            ("Chicago", -6, "S03", 0.14),
            ("Seattle", -8, "S04", 0.10),
            ("Austin", -6, None, 0.10),
            ("Boston", -5, None, 0.10),
            ("Denver", -7, None, 0.08),
            ("Atlanta", -5, None, 0.12),
        ),
    ),
    "GB": (0.12, 0.0, (("London", 0, "S05", 0.6), ("Manchester", 0, None, 0.25), ("Edinburgh", 0, None, 0.15))),
    "CA": (0.08, 0.0, (("Toronto", -5, "S06", 0.55), ("Vancouver", -8, None, 0.3), ("Montreal", -5, None, 0.15))),
    "AU": (0.07, 0.0, (("Sydney", 10, "S07", 0.6), ("Melbourne", 10, None, 0.4))),
    "CN": (
        0.09,
        1.0,
        (("Shanghai", 8, "S08", 0.4), ("Beijing", 8, None, 0.25), ("Shenzhen", 8, None, 0.2), ("Hangzhou", 8, None, 0.15)),
    ),
    "TW": (0.05, 1.0, (("Taipei", 8, "S09", 0.6), ("Taichung", 8, None, 0.25), ("Kaohsiung", 8, None, 0.15))),
    "SG": (0.04, 0.6, (("Singapore", 8, "S10", 1.0),)),
}  # fmt: skip
STORES = {
    "S01": ("Brightlane Fifth Avenue", "New York", "US"),
    "S02": ("Brightlane Union Square", "San Francisco", "US"),
    "S03": ("Brightlane Michigan Avenue", "Chicago", "US"),
    "S04": ("Brightlane Pike Place", "Seattle", "US"),
    "S05": ("Brightlane Covent Garden", "London", "GB"),
    "S06": ("Brightlane Queen Street", "Toronto", "CA"),
    "S07": ("Brightlane Pitt Street", "Sydney", "AU"),
    "S08": ("Brightlane Nanjing Road", "Shanghai", "CN"),
    "S09": ("Brightlane Xinyi", "Taipei", "TW"),
    "S10": ("Brightlane Orchard", "Singapore", "SG"),
}

EN_FEMALE = _words(
    "Emma Olivia Ava Sophia Isabella Mia Charlotte Amelia Harper Evelyn Abigail Emily "
    "Elizabeth Sofia Avery Ella Scarlett Grace Chloe Victoria Riley Aria Lily Zoey Hannah "
    "Natalie Samantha Leah Audrey Claire Lucy Anna Sarah Jessica Jennifer Katherine Rebecca "
    "Laura Megan Rachel Lauren Nicole Michelle Amanda Stephanie Margaret Patricia Susan Karen "
    "Nancy Julia Alice Ruby Isla Freya Maya Zara Priya Aisha Naomi"
)
EN_MALE = _words(
    "Liam Noah Oliver Elijah James William Benjamin Lucas Henry Alexander Mason Michael Ethan "
    "Daniel Jacob Logan Jackson Sebastian Jack Aiden Owen Samuel Matthew Joseph Levi David "
    "John Wyatt Luke Andrew Christopher Joshua Nathan Thomas Charles Robert Richard Steven "
    "Anthony Kevin Brian George Edward Jonathan Nicholas Ryan Patrick Peter Harry Oscar Leo "
    "Arjun Omar Mateo Diego Kenji Rahul Marcus Tyler Zachary"
)
EN_LAST = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
    "Roberts Patel Shah Murphy O'Brien Kelly Evans Edwards Collins Stewart Morris Cook Rogers "
    "Morgan Cooper Peterson Reed Bailey Bell Gomez Kim Park Singh Khan Hughes Foster Price "
    "Bennett Wood Ross Henderson McAllister Fitzgerald Sullivan Russell Phillips"
)
NICKNAMES = {
    "Robert": "Bob", "William": "Bill", "Elizabeth": "Liz", "Katherine": "Kate", "Michael": "Mike",
    "Jennifer": "Jen", "Christopher": "Chris", "Daniel": "Dan", "Jonathan": "Jon",
    "Alexander": "Alex", "Thomas": "Tom", "James": "Jim", "Margaret": "Maggie", "Samantha": "Sam",
    "Benjamin": "Ben", "Matthew": "Matt", "Andrew": "Andy", "Joseph": "Joe", "Richard": "Rick",
    "Steven": "Steve", "Anthony": "Tony", "Patricia": "Pat", "Rebecca": "Becky",
    "Victoria": "Vicky", "Nicholas": "Nick", "Zachary": "Zach", "Abigail": "Abby",
    "Stephanie": "Steph", "Jessica": "Jess", "Nathan": "Nate", "Samuel": "Sam", "Edward": "Ed",
    "Charles": "Charlie", "Peter": "Pete", "Joshua": "Josh", "Isabella": "Bella", "Amanda": "Mandy",
    "Susan": "Sue", "Nicole": "Nikki", "Harry": "Hal", "Evelyn": "Evie", "Olivia": "Liv",
}  # fmt: skip
ZH_SURNAMES = (
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"),
    ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"), ("徐", "Xu"), ("孙", "Sun"),
    ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu"), ("郭", "Guo"), ("何", "He"), ("林", "Lin"),
    ("罗", "Luo"), ("高", "Gao"), ("梁", "Liang"), ("郑", "Zheng"), ("谢", "Xie"), ("宋", "Song"),
    ("唐", "Tang"), ("韩", "Han"), ("冯", "Feng"), ("邓", "Deng"), ("曹", "Cao"), ("彭", "Peng"),
    ("曾", "Zeng"), ("萧", "Xiao"), ("田", "Tian"), ("董", "Dong"), ("潘", "Pan"), ("袁", "Yuan"),
    ("蔡", "Cai"), ("蒋", "Jiang"), ("余", "Yu"), ("叶", "Ye"),
)  # fmt: skip
ZH_FEMALE = (
    ("芳", "Fang"), ("静", "Jing"), ("丽", "Li"), ("敏", "Min"), ("婷", "Ting"), ("雪", "Xue"),
    ("慧", "Hui"), ("欣怡", "Xinyi"), ("雨桐", "Yutong"), ("诗涵", "Shihan"), ("梓涵", "Zihan"),
    ("佳怡", "Jiayi"), ("思琪", "Siqi"), ("晓燕", "Xiaoyan"), ("美玲", "Meiling"),
    ("淑芬", "Shufen"), ("雅婷", "Yating"), ("怡君", "Yijun"), ("佩珊", "Peishan"),
    ("秀英", "Xiuying"), ("玉兰", "Yulan"), ("海燕", "Haiyan"), ("文静", "Wenjing"),
    ("梦瑶", "Mengyao"), ("若曦", "Ruoxi"), ("嘉欣", "Jiaxin"), ("婉清", "Wanqing"),
    ("子琪", "Ziqi"), ("可欣", "Kexin"), ("乐怡", "Leyi"),
)  # fmt: skip
ZH_MALE = (
    ("伟", "Wei"), ("强", "Qiang"), ("磊", "Lei"), ("军", "Jun"), ("洋", "Yang"), ("勇", "Yong"),
    ("杰", "Jie"), ("涛", "Tao"), ("明", "Ming"), ("超", "Chao"), ("浩然", "Haoran"),
    ("子轩", "Zixuan"), ("宇轩", "Yuxuan"), ("俊杰", "Junjie"), ("志强", "Zhiqiang"),
    ("建华", "Jianhua"), ("家豪", "Jiahao"), ("冠宇", "Guanyu"), ("宏伟", "Hongwei"),
    ("文博", "Wenbo"), ("思远", "Siyuan"), ("天宇", "Tianyu"), ("博文", "Bowen"),
    ("一鸣", "Yiming"), ("子豪", "Zihao"), ("晨阳", "Chenyang"), ("嘉伟", "Jiawei"),
    ("志明", "Zhiming"), ("国华", "Guohua"), ("俊宏", "Junhong"),
)  # fmt: skip
EMAIL_DOMAINS = {
    "US": ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "hotmail.com", "aol.com"),
    "GB": ("gmail.com", "outlook.com", "btinternet.com", "yahoo.co.uk", "icloud.com"),
    "CA": ("gmail.com", "outlook.com", "yahoo.ca", "icloud.com", "shaw.ca"),
    "AU": ("gmail.com", "outlook.com", "bigpond.com", "icloud.com", "yahoo.com.au"),
    "CN": ("qq.com", "163.com", "126.com", "foxmail.com", "sina.com"),
    "TW": ("gmail.com", "yahoo.com.tw", "hotmail.com", "outlook.com"),
    "SG": ("gmail.com", "singnet.com.sg", "hotmail.com", "outlook.com", "yahoo.com.sg"),
}
EMAIL_TYPOS = {
    "gmail.com": "gmial.com",
    "outlook.com": "outlok.com",
    "yahoo.com": "yaho.com",
    "hotmail.com": "hotmial.com",
    "icloud.com": "icould.com",
    "qq.com": "qq.con",
    "163.com": "136.com",
}
US_AREAS = {
    "New York": "212 917 646",
    "San Francisco": "415 628",
    "Chicago": "312 773",
    "Seattle": "206 425",
    "Austin": "512 737",
    "Boston": "617 857",
    "Denver": "303 720",
    "Atlanta": "404 678",
}
CA_AREAS = {"Toronto": "416 647", "Vancouver": "604 778", "Montreal": "514 438"}
CALLING = {"US": "1", "CA": "1", "GB": "44", "AU": "61", "CN": "86", "TW": "886", "SG": "65"}
