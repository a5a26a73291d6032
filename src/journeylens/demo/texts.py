"""Words: feedback sentences in English and Chinese, search queries and blog articles.

Truth 9: the tone of a text follows the customer's experience. A review's rating is
drawn first from the distribution for the experience (``params.RATINGS``); the text
then comes from the pool for that rating and, for low ratings, for what went wrong
(late delivery, defect, refund).
"""

from __future__ import annotations

from journeylens.demo.draws import Draws

TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "review_positive": (
            "Absolutely love the {product}. Setup took five minutes and it just works.",
            "The {product} exceeded my expectations — great build quality for the price.",
            "Arrived a day early and well packed. The {product} feels premium.",
            "Bought the {product} as a gift and my partner hasn't put it down since.",
            "Really happy with the {product}. Battery life is even better than advertised.",
            "Third purchase from Brightlane and they never disappoint.",
            "Easy ordering, fast delivery, and the {product} is exactly as described.",
            "Great value. I compared a lot of options and the {product} was the right call.",
            "Super smooth experience from checkout to delivery. Would recommend.",
            "The {product} is fantastic, and support answered my questions quickly.",
            "Five stars. Solid, reliable and looks great on my desk.",
            "I was hesitant at first but the {product} won me over within a week.",
        ),
        "review_neutral": (
            "The {product} is fine. Does what it says, nothing more.",
            "Decent quality, although I expected a bit more for the price.",
            "It works, but the instructions could be clearer.",
            "Good product overall; the packaging was a bit excessive.",
            "Average. The {product} is okay for everyday use but not outstanding.",
            "Delivery was on time. The {product} itself is just okay.",
            "Some features are great, others feel unfinished. Three stars for now.",
            "Not bad, not amazing. I might return it if I find something better.",
        ),
        "review_negative": (
            "Disappointed with the {product}. It feels cheap and the battery drains fast.",
            "Not worth the money. I regret this purchase.",
            "The {product} stopped syncing after two days and support was no help.",
            "Expected much better quality from Brightlane.",
            "Poor experience overall, I won't be buying this again.",
            "The {product} looks nothing like the photos.",
        ),
        "review_late": (
            "My order arrived {days} days late and nobody told me why.",
            "Delivery was promised for the weekend and came more than a week later. "
            "Missed the birthday I bought it for.",
            "Tracking said 'out for delivery' for four days. Terrible shipping experience.",
            "The {product} is okay but the delivery delay ruined it for me.",
            "I had to chase the courier three times. Late, and the box was crushed.",
            "Way too slow. Other shops deliver in two days; this took almost two weeks.",
            "No updates, no apology, just a parcel {days} days late.",
            "Ordered well in advance and it still showed up late. Very unreliable delivery.",
        ),
        "review_defect": (
            "The {product} arrived with a cracked screen.",
            "Dead on arrival. The {product} won't even turn on.",
            "Stopped working after a week. Clearly a faulty unit.",
            "The charging port on my {product} is loose and it only charges at an angle.",
            "Right out of the box the {product} had a dead pixel and a rattling noise.",
            "The {product} overheats constantly. This is a defect, not a feature.",
            "Buttons stick and the hinge creaks. Quality control must be asleep.",
            "Received a used-looking unit with scratches all over it.",
        ),
        "review_refund": (
            "Returned the {product} and it took three weeks to get my refund.",
            "The refund process was a nightmare — I had to call four times.",
            "Sent the {product} back, still waiting for my money.",
            "They refunded me eventually, but only after I complained on social media.",
            "The return label never arrived; I paid the postage myself to send it back.",
            "Got my refund, but the whole process was slow and confusing.",
        ),
        "nps_promoter": (
            "Always fast delivery and great prices.",
            "Helpful staff and an easy app. I recommend Brightlane to all my friends.",
            "Best electronics shop I've used — reliable and fairly priced.",
            "The loyalty perks and free returns keep me coming back.",
            "Everything just works: ordering, delivery, support.",
            "Great selection and honest reviews on the site.",
        ),
        "nps_passive": (
            "Good shop, but prices could be sharper.",
            "Mostly fine. Delivery times vary a lot.",
            "Decent, although the website search is clumsy.",
            "Okay experience, nothing special compared to others.",
            "I like the products, the app needs work.",
        ),
        "nps_detractor": (
            "Delivery was late and customer service didn't care.",
            "I had a faulty product and the return took forever.",
            "Too many problems with my last orders. I've started shopping elsewhere.",
            "Support kept sending me canned replies. Very frustrating.",
            "Prices went up and service went down.",
            "After the refund fiasco I can't recommend you.",
        ),
        "survey_positive": (
            "The staff were friendly and knew their stuff.",
            "Quick checkout and no queue. Great visit.",
            "The agent solved my problem in one go, thank you!",
            "Very helpful, clear explanation and fast resolution.",
            "Lovely store, easy to try products before buying.",
        ),
        "survey_neutral": (
            "It was busy and it took a while to find someone to help.",
            "Issue resolved, but I had to explain it twice.",
            "Fine, but the wait was a bit long.",
        ),
        "survey_negative": (
            "Nobody helped me and the item I wanted was out of stock.",
            "The agent closed my ticket without fixing anything.",
            "Long wait, rude staff. Not impressed.",
            "I had to contact support three times for the same problem.",
        ),
        "chat_late": (
            "Hi, my order {order} was supposed to arrive days ago. Where is it?",
            "Tracking hasn't updated since Monday. Can you check order {order}?",
            "I still haven't received my package. This is really frustrating.",
            "The delivery date keeps moving. I need the {product} this week.",
        ),
        "chat_defect": (
            "My {product} arrived broken. How do I get a replacement?",
            "The {product} won't turn on. I've tried charging it overnight.",
            "Hello, the screen on my new {product} has a dead spot. What can you do?",
            "The {product} keeps restarting by itself. Is this a known problem?",
        ),
        "chat_return": (
            "I'd like to return the {product}. How do I get a label?",
            "When will I get my refund for order {order}? It's been two weeks.",
            "I sent the {product} back last week — can you confirm you received it?",
            "I changed my mind about the {product}. Can I still return it?",
        ),
        "chat_presale": (
            "Does the {product} come with a charger in the box?",
            "Is the {product} compatible with my current accessories?",
            "What's the difference between the {product} and the Pro version?",
            "Do you have the {product} in stock at the store near me?",
            "Can I get the {product} delivered before Friday?",
            "Is there a student discount on the {product}?",
        ),
    },
    "zh": {
        "review_positive": (
            "{product}非常好用，五分钟就设置好了。",
            "{product}的做工超出预期，性价比很高。",
            "比预计早一天到货，包装很仔细，{product}手感很高级。",
            "买来送给家人的，他们非常喜欢{product}。",
            "电池续航比宣传的还要好，很满意。",
            "已经是第三次在Brightlane买东西了，从没失望过。",
            "下单方便，物流很快，{product}和描述完全一致。",
            "对比了很多款，最后选了{product}，没选错。",
            "从下单到收货都很顺利，推荐！",
            "客服回复很快，{product}也很棒。",
            "五星好评，质量稳定，外观也漂亮。",
            "一开始有点犹豫，用了一周就爱上了{product}。",
        ),
        "review_neutral": (
            "{product}还可以，功能都正常，没什么惊喜。",
            "质量一般，这个价格我期待更好一点。",
            "能用，但说明书写得不太清楚。",
            "整体不错，就是包装有点过度。",
            "中规中矩，日常用够了。",
            "按时送到了，{product}本身一般般。",
            "有些功能很好，有些感觉还没做完善，先给三星。",
            "不好不坏，找到更好的可能会退。",
        ),
        "review_negative": (
            "对{product}很失望，做工廉价，掉电也快。",
            "不值这个价，后悔买了。",
            "用了两天{product}就连不上了，客服也没帮上忙。",
            "本来对Brightlane期望很高，结果很失望。",
            "整体体验很差，不会再买了。",
            "{product}和图片完全不一样。",
        ),
        "review_late": (
            "订单晚了{days}天才到，也没有任何通知。",
            "说好周末送到，结果晚了一个多星期，生日礼物都没赶上。",
            "物流显示“派送中”整整四天，配送体验太差了。",
            "{product}本身还行，但是延迟发货让我很不爽。",
            "催了快递三次，又晚又把盒子压坏了。",
            "太慢了，别家两天就到，这家将近两个星期。",
            "没有物流更新，没有道歉，包裹晚了{days}天。",
            "提前很久下的单，还是迟到了，配送太不靠谱。",
        ),
        "review_defect": (
            "收到的{product}屏幕是裂的。",
            "到手就是坏的，{product}根本开不了机。",
            "用了一个星期就坏了，明显是质量问题。",
            "{product}的充电口松动，只能斜着才能充电。",
            "开箱就有坏点，还有异响。",
            "{product}一直发烫，这是缺陷不是特性。",
            "按键卡顿，转轴吱吱响，品控太差了。",
            "收到的像是二手货，到处是划痕。",
        ),
        "review_refund": (
            "退了{product}，等了三个星期才退款。",
            "退款流程太折腾了，打了四次电话。",
            "{product}已经寄回去了，钱还没退回来。",
            "最后是退款了，但是我在社交媒体上投诉之后才处理。",
            "退货标签一直没收到，只好自己付邮费寄回。",
            "退款是拿到了，但整个过程又慢又混乱。",
        ),
        "nps_promoter": (
            "发货快，价格也实惠。",
            "店员很热情，App也好用，已经推荐给朋友了。",
            "用过最好的电子产品商店，可靠又公道。",
            "会员福利和免费退货让我一直回购。",
            "下单、配送、售后都很省心。",
            "商品种类多，网站上的评价也很真实。",
        ),
        "nps_passive": (
            "店不错，就是价格可以再低一点。",
            "总体还行，配送时间不太稳定。",
            "还可以，不过网站的搜索不太好用。",
            "体验一般，和别家比没有特别之处。",
            "产品我喜欢，App还需要改进。",
        ),
        "nps_detractor": (
            "配送延迟，客服也不在乎。",
            "买到有问题的产品，退货拖了很久。",
            "最近几次订单问题太多了，我已经去别家买了。",
            "客服一直发模板回复，非常让人恼火。",
            "价格涨了，服务却变差了。",
            "经历了那次退款风波，我没法推荐你们。",
        ),
        "survey_positive": (
            "店员很友好，也很专业。",
            "结账很快，不用排队，体验很好。",
            "客服一次就帮我解决了问题，谢谢！",
            "解释清楚，处理迅速，非常有帮助。",
            "门店环境很好，可以先试用再购买。",
        ),
        "survey_neutral": (
            "人很多，等了好一会儿才有人帮忙。",
            "问题解决了，但是我解释了两遍。",
            "还行，就是等的时间有点长。",
        ),
        "survey_negative": (
            "没人理我，想买的东西还缺货。",
            "客服什么都没解决就把工单关了。",
            "等了很久，店员态度也不好。",
            "同一个问题我联系了三次客服。",
        ),
        "chat_late": (
            "你好，我的订单{order}几天前就应该到了，现在在哪里？",
            "物流信息从周一开始就没更新了，能帮我查一下订单{order}吗？",
            "我还没收到包裹，真的很着急。",
            "送达日期一直在变，我这周就需要{product}。",
        ),
        "chat_defect": (
            "我的{product}收到时是坏的，怎么换货？",
            "{product}开不了机，已经充了一晚上电了。",
            "你好，新买的{product}屏幕有坏点，怎么处理？",
            "{product}老是自己重启，这是已知问题吗？",
        ),
        "chat_return": (
            "我想退{product}，退货标签在哪里拿？",
            "订单{order}的退款什么时候到账？已经两个星期了。",
            "上周已经把{product}寄回去了，能确认收到了吗？",
            "我不想要{product}了，还能退吗？",
        ),
        "chat_presale": (
            "{product}包装里有充电器吗？",
            "{product}和我现在的配件兼容吗？",
            "{product}和Pro版有什么区别？",
            "附近的门店有{product}现货吗？",
            "{product}能在周五之前送到吗？",
            "{product}有学生优惠吗？",
        ),
    },
}

_ISSUE_POOL = {"late": "review_late", "defect": "review_defect", "return": "review_refund"}
_SEPARATOR = {"en": " ", "zh": ""}


def _fill(template: str, product: str, order: str, days: int) -> str:
    return (
        template.replace("{product}", product)
        .replace("{order}", order)
        .replace("{days}", str(days))
    )


def _two(language: str, first: str, second: str | None, draws: Draws) -> tuple[str, ...]:
    pools = TEXTS[language]
    one = draws.pick(pools[first])
    if second is None or not draws.chance(0.45):
        return (one,)
    two = draws.pick(pools[second])
    return (one,) if two == one else (one, two)


def review_text(
    language: str, rating: int, issue: str | None, product: str, days_late: int, draws: Draws
) -> str:
    if rating >= 4:
        parts = _two(language, "review_positive", "review_positive", draws)
    elif rating == 3:
        parts = _two(language, "review_neutral", None, draws)
    elif issue in _ISSUE_POOL:
        parts = _two(language, _ISSUE_POOL[issue], "review_negative", draws)
    else:
        parts = _two(language, "review_negative", None, draws)
    return _SEPARATOR[language].join(_fill(p, product, "", max(days_late, 2)) for p in parts)


def nps_band(score: int) -> str:
    return "nps_promoter" if score >= 9 else "nps_passive" if score >= 7 else "nps_detractor"


def nps_text(language: str, score: int, issue: str | None, draws: Draws) -> str:
    band = nps_band(score)
    second = _ISSUE_POOL.get(issue or "") if band == "nps_detractor" else None
    parts = _two(language, band, second, draws)
    return _SEPARATOR[language].join(_fill(p, "", "", 5).replace("  ", " ") for p in parts)


def survey_text(language: str, rating: int, draws: Draws) -> str:
    pool = (
        "survey_positive" if rating >= 4 else "survey_neutral" if rating == 3 else "survey_negative"
    )
    return draws.pick(TEXTS[language][pool])


def chat_text(language: str, topic: str, product: str, order_id: str, draws: Draws) -> str:
    return _fill(draws.pick(TEXTS[language][f"chat_{topic}"]), product, order_id, 0)


# ---- the shop's own words --------------------------------------------------------------
SEARCH_QUERIES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "Smartphones": ("phone", "aurora x5", "5g phone", "best camera phone", "nimbus s3"),
        "Laptops": ("laptop", "vertex book", "gaming laptop", "lightweight laptop"),
        "Cameras": ("mirrorless camera", "vlog camera", "kestrel z50", "action cam"),
        "Tablets": ("tablet", "aurora tab", "drawing tablet"),
        "TVs": ("oled tv", "65 inch tv", "4k tv"),
        "Game Consoles": ("orbit console", "console bundle", "games"),
        "Coffee Machines": ("espresso machine", "coffee maker", "capsule coffee"),
        "Smartwatches": ("smartwatch", "fitness tracker", "aurora watch"),
    },
    "zh": {
        "Smartphones": ("手机", "5G手机", "拍照手机", "aurora x5"),
        "Laptops": ("笔记本电脑", "游戏本", "轻薄本"),
        "Cameras": ("微单相机", "vlog相机", "运动相机"),
        "Tablets": ("平板电脑", "aurora tab"),
        "TVs": ("OLED电视", "65寸电视", "4K电视"),
        "Game Consoles": ("游戏机", "orbit console"),
        "Coffee Machines": ("咖啡机", "意式咖啡机", "胶囊咖啡机"),
        "Smartwatches": ("智能手表", "运动手环"),
    },
}
# Education content (truth 7): /blog/... and /guides/... pages, by interest.
ARTICLES: dict[str, tuple[tuple[str, str], ...]] = {
    "Smartphones": (
        ("/guides/how-to-choose-a-phone", "How to choose a phone"),
        ("/blog/best-camera-phones-2026", "The best camera phones of 2026"),
        ("/blog/is-5g-worth-it", "Is 5G worth it yet?"),
    ),
    "Laptops": (
        ("/guides/laptop-buying-guide", "Laptop buying guide"),
        ("/blog/best-laptops-for-students", "The best laptops for students"),
    ),
    "Cameras": (
        ("/guides/mirrorless-for-beginners", "Mirrorless cameras for beginners"),
        ("/blog/how-to-start-vlogging", "How to start vlogging"),
    ),
    "Tablets": (
        ("/guides/tablet-or-laptop", "Tablet or laptop?"),
        ("/blog/drawing-on-a-tablet", "Drawing on a tablet: a starter kit"),
    ),
    "TVs": (
        ("/guides/oled-vs-qled", "OLED vs QLED explained"),
        ("/blog/home-cinema-on-a-budget", "Home cinema on a budget"),
    ),
    "Game Consoles": (
        ("/blog/best-family-games", "The best family games this year"),
        ("/guides/console-setup", "Setting up your console"),
    ),
    "Coffee Machines": (
        ("/guides/espresso-at-home", "Espresso at home"),
        ("/blog/choosing-coffee-beans", "Choosing coffee beans"),
    ),
    "Smartwatches": (
        ("/guides/smartwatch-buying-guide", "Smartwatch buying guide"),
        ("/blog/training-with-a-smartwatch", "Training with a smartwatch"),
    ),
}
GENERIC_ARTICLES = (
    ("/blog/holiday-gift-guide", "Holiday gift guide"),
    ("/guides/warranty-and-returns", "Warranty and returns, explained"),
    ("/blog/recycling-old-electronics", "Recycling your old electronics"),
)
