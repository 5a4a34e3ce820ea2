## Try-on page

title = バーチャル試着
storefront = ストア
preview-alt = 試着のプレビュー
hint = 商品を選んでから、カメラを起動するか写真をアップロードしてください。
product = 商品
everyone = 写っている全員に試着させる
start = カメラを起動
stop = 停止
upload = 写真をアップロード
still-heading = 静止画を保存
take-still = 静止画を撮る
download = ダウンロード
share = 共有
still-note = 静止画はお使いの端末に残ります。共有のためにアップロードされることはありません。
privacy = プライバシー
regions = 画像の処理は次の地域でのみ行われます：
nothing-stored = 何も保存されません。
policy = ポリシー
any-region = すべての地域
price-on-request = 価格はお問い合わせください
ask = バーチャル試着を許可しますか？
decline = 今はしない
allow = 許可する
declined = 試着はオフのままです。何も送信されていません。いつでもやり直せます。
unreachable = 試着サービスに接続できませんでした。
no-face = この画像に顔が見つかりません。明るい場所でカメラの方を向いてください。
no-camera = このブラウザーではここでカメラを使えません。代わりに写真をアップロードしてください。
camera-unavailable = カメラを使用できません。代わりに写真をアップロードしてください。
unreadable = このページで読み込めない写真ファイルです（JPEG、PNG、WebP に対応）。
upload-again = この商品を試すには、写真をもう一度アップロードしてください。
share-title = 私の試着

## Storefront page

store-title = Meridian デモストア
store-intro = デモストア：すべての画像は地域の GPU バックエンドが生成し、エッジキャッシュから配信されます。
unavailable = お住まいの市場では販売していません
unavailable-why = 理由
store-free-shipping = 今週は送料無料
store-recommended = おすすめ
store-why-recommended = 理由：
store-presets = プリセット
store-preset = プリセット
store-url = URL
store-format-square = 1080 正方形
store-format-story = ストーリー
store-credit = 写真：Ubuntu 壁紙コンテスト（Debian lomiri-wallpapers-16.04）、CC BY / CC BY-SA / CC0。出典：
# $available: how many products the page offers in the shopper's market.
store-products = お住まいの市場で購入できる商品：{ $available } 点

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] 税込価格
       *[exclusive] 税抜価格
    } · ポリシー { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = 試着する
widget-tryon-unavailable = この商品はバーチャル試着に対応していません。
widget-recommended = あなたへのおすすめ
widget-popular = いま人気の商品

## Why a product is not offered (storefront and widget)

product-unknown = 商品が見つかりません
product-unknown-detail = この商品はショップのカタログにありません。
blocked-embargoed = 貿易制裁により、この商品はお住まいの地域では販売できません。
blocked-territory-not-licensed = この商品はお住まいの国での販売ライセンスがありません。
blocked-category-restricted = この種類の商品はお住まいの国では販売できません。
blocked-age-gate = この商品は年齢確認後にのみ販売できますが、ここでは年齢確認をご利用いただけません。
blocked-other = この商品はお住まいの国では提供できません。
