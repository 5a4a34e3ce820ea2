## Try-on page

title = 虚拟试戴
storefront = 商店
preview-alt = 试戴预览
hint = 请先选择商品，然后打开摄像头或上传照片。
product = 商品
everyone = 为画面中的所有人试戴
start = 打开摄像头
stop = 停止
upload = 上传照片
still-heading = 保存静态图
take-still = 拍摄静态图
download = 下载
share = 分享
still-note = 静态图只保存在您的设备上：分享时不会上传任何内容。
privacy = 您的隐私
regions = 图像仅在以下地区处理：
nothing-stored = 不会存储任何内容。
policy = 政策
any-region = 任何地区
price-on-request = 价格面议
ask = 允许虚拟试戴吗？
decline = 暂不
allow = 允许
declined = 试戴保持关闭：未发送任何内容。您可以随时重新开始。
unreachable = 无法连接试戴服务。
no-face = 此画面中未找到人脸：请在光线充足处面向摄像头。
no-camera = 此浏览器在这里无法使用摄像头：请改为上传照片。
camera-unavailable = 摄像头不可用：请改为上传照片。
unreadable = 此页面无法读取该照片文件（支持 JPEG、PNG 或 WebP）。
upload-again = 请重新上传照片以试戴此商品。
share-title = 我的试戴

## Storefront page

store-title = Meridian 演示商店
store-intro = 演示商店：每张图片都是由区域 GPU 后端生成、从边缘缓存提供的版本。
unavailable = 您所在的市场不提供此商品
unavailable-why = 为什么？
store-free-shipping = 本周免运费
store-recommended = 为您推荐
store-why-recommended = 推荐理由：
store-presets = 预设
store-preset = 预设
store-url = 网址
store-format-square = 1080 正方形
store-format-story = 快拍
store-credit = 照片：Ubuntu 壁纸大赛（Debian lomiri-wallpapers-16.04），CC BY / CC BY-SA / CC0。来源：
# $available: how many products the page offers in the shopper's market.
store-products = 您所在的市场有 { $available } 件商品可供购买

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] 价格含税
       *[exclusive] 价格不含税
    } · 政策 { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = 试戴
widget-tryon-unavailable = 此商品不提供虚拟试戴。
widget-recommended = 为你推荐
widget-popular = 当前热门

## Why a product is not offered (storefront and widget)

product-unknown = 未找到商品
product-unknown-detail = 此商品不在商店的目录中。
blocked-embargoed = 贸易制裁不允许在你所在的地区销售此商品。
blocked-territory-not-licensed = 此商品未获得在你所在国家销售的许可。
blocked-category-restricted = 此类商品不得在你所在的国家销售。
blocked-age-gate = 此商品须经年龄验证后方可销售，但此处无法进行年龄验证。
blocked-other = 此商品无法在你所在的国家提供。
