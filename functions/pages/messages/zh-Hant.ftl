## Try-on page

title = 虛擬試戴
storefront = 商店
preview-alt = 你的試戴預覽
hint = 請先選擇商品，再開啟攝影機或上傳相片。
product = 商品
everyone = 為畫面中的每個人試戴
start = 開啟攝影機
stop = 停止
upload = 上傳相片
still-heading = 保留靜態畫面
take-still = 擷取畫面
download = 下載
share = 分享
still-note = 擷取的畫面只會保留在你的裝置上：分享時不會上傳任何內容。
privacy = 你的隱私權
regions = 畫面只會在以下地區處理：
nothing-stored = 不會儲存任何資料。
policy = 政策
any-region = 任何地區
price-on-request = 價格請洽詢
ask = 要允許虛擬試戴嗎？
decline = 先不要
allow = 允許
declined = 試戴維持關閉：沒有傳送任何資料。你隨時可以重新開始。
unreachable = 無法連線至試戴服務。
no-face = 這個畫面中找不到臉部：請在光線充足的地方面對攝影機。
no-camera = 這個瀏覽器在此無法使用攝影機：請改為上傳相片。
camera-unavailable = 無法使用攝影機：請改為上傳相片。
unreadable = 這個網頁無法讀取該檔案（僅支援 JPEG、PNG 或 WebP 相片）。
upload-again = 請重新上傳相片，即可試戴這件商品。
share-title = 我的試戴

## Storefront page

store-title = Meridian 示範商店
store-intro = 示範商店：每張圖片都是由區域 GPU 後端產生、再從邊緣快取提供的版本。
unavailable = 你所在的市場未販售此商品
unavailable-why = 為什麼？
store-free-shipping = 本週免運費
store-recommended = 為你推薦
store-why-recommended = 推薦原因：
store-presets = 預設格式
store-preset = 預設格式
store-url = 網址
store-format-square = 1080 正方形
store-format-story = 限時動態
store-credit = 相片：Ubuntu 桌布大賽（Debian lomiri-wallpapers-16.04），CC BY / CC BY-SA / CC0。來源：
# $available: how many products the page offers in the shopper's market.
# Chinese has one plural category (CLDR: other), so the count needs no select.
store-products = 你所在的市場有 { $available } 件商品可供購買

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] 價格含稅
       *[exclusive] 價格未稅
    } · 政策 { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = 試戴看看
widget-tryon-unavailable = 這件商品不提供虛擬試戴。
widget-recommended = 為你推薦
widget-popular = 熱門商品

## Why a product is not offered (storefront and widget)

product-unknown = 找不到商品
product-unknown-detail = 這件商品不在商店的商品目錄中。
blocked-embargoed = 受貿易制裁限制，這件商品無法在你所在的地區販售。
blocked-territory-not-licensed = 這件商品未取得在你所在國家／地區販售的授權。
blocked-category-restricted = 此類商品不得在你所在的國家／地區販售。
blocked-age-gate = 這件商品須先通過年齡驗證才能販售，但此處無法進行年齡驗證。
blocked-other = 這件商品無法在你所在的國家／地區提供。
