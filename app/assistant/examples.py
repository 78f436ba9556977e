"""Example messages for each kind of turn, in English and Chinese, about no trade in particular.

They are embedded once with the multilingual encoder; a message's nearest examples say what kind of turn it
is when the shop's own data (ids, product names, catalog words, policy passages) does not. Nothing here names a
product, a category or a policy topic of any one shop: products are what the catalog says they are.
"""

from __future__ import annotations

EXAMPLES: dict[str, list[str]] = {
    "greeting": [
        "hi", "hello there", "good morning", "hey, anyone there?", "thanks a lot", "thank you, that's all",
        "ok great", "bye", "你好", "谢谢", "早上好", "再见",
    ],
    "order_status": [
        "where is my order?", "has my parcel shipped yet?", "what's the tracking number of my package?",
        "when will my delivery arrive?", "I want to cancel my order", "my order hasn't arrived",
        "can you check the status of my purchase?", "did my order go out?", "what did I order last time?",
        "我的订单到哪了？", "我的快递什么时候到", "帮我查一下物流", "我想取消订单",
    ],
    "policy": [
        "what is your return policy?", "how much does delivery cost?", "do you ship abroad?",
        "how long do refunds take?", "which payment methods do you accept?", "do you offer a warranty?",
        "what are your terms and conditions?", "can I exchange an item?", "is there a guarantee?",
        "how does your loyalty programme work?", "what happens if an item is missing from my delivery?",
        "do you offer student discounts?", "is there a membership scheme?",
        "可以退货吗？", "运费多少钱？", "支持哪些付款方式？", "有保修吗？", "退款要多久？",
    ],
    "handoff": [
        "I want to speak to a human", "let me talk to a real person", "this is unacceptable, I want a manager",
        "I'd like to make a complaint", "your service is terrible", "I'm very angry about this",
        "connect me with customer service", "I want to file a complaint about a rude agent",
        "我要投诉", "转人工", "我要找人工客服", "你们的服务太差了",
    ],
    "out_of_scope": [
        "what's the weather tomorrow?", "tell me a joke", "write me a poem", "who won the football match?",
        "what is the capital of Spain?", "help me with my maths homework", "write a python program",
        "what do you think about the election?", "translate this sentence into French", "what's bitcoin worth?",
        "who is the president?", "recommend a good movie", "今天天气怎么样", "给我讲个笑话", "帮我写一首诗",
    ],
    "recommend": [
        "what would you recommend for me?", "any suggestions based on what I bought?", "surprise me",
        "what's popular right now?", "what else might I like?", "recommend something for me",
        "推荐一些适合我的", "有什么推荐的吗", "给我一些建议",
    ],
    "find": [
        "I'm looking for something new", "do you have anything like this?", "show me what you have",
        "I need a gift under $50", "do you sell these?", "what do you have in stock?", "anything cheaper?",
        "我想买点东西", "有没有便宜一点的", "给我看看有什么",
    ],
}  # fmt: skip
