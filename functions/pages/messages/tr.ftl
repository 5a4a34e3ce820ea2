## Try-on page

title = Sanal deneme
storefront = Mağaza
preview-alt = Deneme önizlemeniz
hint = Bir ürün seçin, ardından kameranızı başlatın veya bir fotoğraf yükleyin.
product = Ürün
everyone = Karedeki herkesi giydir
start = Kamerayı başlat
stop = Durdur
upload = Fotoğraf yükle
still-heading = Kareyi saklayın
take-still = Kare yakala
download = İndir
share = Paylaş
still-note = Kareler cihazınızda kalır: Paylaşmak için hiçbir şey yüklenmez.
privacy = Gizliliğiniz
regions = Görüntüler yalnızca şu bölgelerde işlenir:
nothing-stored = Hiçbir şey saklanmaz.
policy = Politika
any-region = herhangi bir bölge
price-on-request = fiyat sorunuz
ask = Sanal denemeye izin verilsin mi?
decline = Şimdi değil
allow = İzin ver
declined = Deneme kapalı kalıyor: Hiçbir şey gönderilmedi. İstediğiniz zaman yeniden başlayabilirsiniz.
unreachable = Deneme hizmetine ulaşılamadı.
no-face = Bu karede yüz bulunamadı: İyi ışık alan bir yerde yüzünüzü kameraya dönün.
no-camera = Bu tarayıcının burada kamera erişimi yok: Bunun yerine bir fotoğraf yükleyin.
camera-unavailable = Kamera kullanılamıyor: Bunun yerine bir fotoğraf yükleyin.
unreadable = Bu dosya, bu sayfanın okuyabildiği bir fotoğraf değil (JPEG, PNG veya WebP).
upload-again = Bu ürünü denemek için fotoğrafı yeniden yükleyin.
share-title = Sanal denemem

## Storefront page

store-title = Meridian demo mağazası
store-intro = Demo mağaza: Her görsel, bölgesel bir GPU arka ucunun oluşturduğu ve uç önbellekten sunulan bir sürümdür.
unavailable = Pazarınızda satışta değil
unavailable-why = Neden?
store-free-shipping = Bu hafta kargo ücretsiz
store-recommended = Önerilenler
store-why-recommended = Neden:
store-presets = Formatlar
store-preset = Format
store-url = URL
store-format-square = 1080 kare
store-format-story = Hikâye
store-credit = Fotoğraflar: Ubuntu duvar kâğıdı yarışması (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Kaynaklar:
# $available: how many products the page offers in the shopper's market.
# Turkish nouns stay singular after a number, so both forms read alike.
store-products =
    { COUNT($available) ->
        [one] Pazarınızda { $available } ürün satışta
       *[other] Pazarınızda { $available } ürün satışta
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] vergi dahil fiyatlar
       *[exclusive] vergi hariç fiyatlar
    } · politika { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Dene
widget-tryon-unavailable = Bu ürün için sanal deneme sunulmuyor.
widget-recommended = Size önerilenler
widget-popular = Şu an popüler

## Why a product is not offered (storefront and widget)

product-unknown = Ürün bulunamadı
product-unknown-detail = Bu ürün mağazanın kataloğunda yok.
blocked-embargoed = Ticari yaptırımlar, bu ürünün bulunduğunuz yerde satılmasına izin vermiyor.
blocked-territory-not-licensed = Bu ürünün ülkenizde satış lisansı yok.
blocked-category-restricted = Bu tür ürünler ülkenizde satılamaz.
blocked-age-gate = Bu ürün yalnızca yaş doğrulamasından sonra satılabilir; bu doğrulama burada kullanılamıyor.
blocked-other = Bu ürün ülkenizde sunulamıyor.
