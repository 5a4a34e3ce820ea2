## Try-on page

title = Cubaan maya
storefront = Kedai
preview-alt = Pratonton cubaan anda
hint = Pilih produk, kemudian hidupkan kamera anda atau muat naik foto.
product = Produk
everyone = Pakaikan semua orang dalam bingkai
start = Hidupkan kamera
stop = Berhenti
upload = Muat naik foto
still-heading = Simpan gambar pegun
take-still = Ambil gambar pegun
download = Muat turun
share = Kongsi
still-note = Gambar pegun kekal pada peranti anda: tiada apa-apa dimuat naik untuk dikongsi.
privacy = Privasi anda
regions = Bingkai hanya diproses di:
nothing-stored = Tiada apa-apa disimpan.
policy = Dasar
any-region = mana-mana rantau
price-on-request = harga atas permintaan
ask = Benarkan cubaan maya?
decline = Bukan sekarang
allow = Benarkan
declined = Cubaan kekal dimatikan: tiada apa-apa dihantar. Anda boleh mula semula pada bila-bila masa.
unreachable = Perkhidmatan cubaan tidak dapat dihubungi.
no-face = Tiada wajah ditemui dalam bingkai ini: hadapkan muka ke kamera di tempat yang terang.
no-camera = Pelayar ini tiada akses kamera di sini: muat naik foto sebagai gantinya.
camera-unavailable = Kamera tidak tersedia: muat naik foto sebagai gantinya.
unreadable = Fail itu bukan foto yang boleh dibaca oleh halaman ini (JPEG, PNG atau WebP).
upload-again = Muat naik foto sekali lagi untuk mencuba produk ini.
share-title = Cubaan saya

## Storefront page

store-title = Kedai demo Meridian
store-intro = Kedai demo: setiap imej ialah versi yang dihasilkan oleh bahagian belakang GPU serantau dan disajikan daripada cache pinggir.
unavailable = Tidak tersedia di pasaran anda
unavailable-why = Mengapa?
store-free-shipping = Penghantaran percuma minggu ini
store-recommended = Disyorkan
store-why-recommended = Sebab:
store-presets = Format
store-preset = Format
store-url = URL
store-format-square = Segi empat sama 1080
store-format-story = Cerita
store-credit = Gambar: pertandingan kertas dinding Ubuntu (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Sumber:
# $available: how many products the page offers in the shopper's market.
# Malay has one plural category (CLDR: other), so the count needs no select.
store-products = { $available } produk tersedia di pasaran anda

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] harga termasuk cukai
       *[exclusive] harga tidak termasuk cukai
    } · dasar { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Cuba
widget-tryon-unavailable = Cubaan maya tidak ditawarkan untuk produk ini.
widget-recommended = Disyorkan untuk anda
widget-popular = Popular sekarang

## Why a product is not offered (storefront and widget)

product-unknown = Produk tidak ditemui
product-unknown-detail = Produk ini tiada dalam katalog kedai.
blocked-embargoed = Sekatan perdagangan tidak membenarkan produk ini dijual di lokasi anda.
blocked-territory-not-licensed = Produk ini tidak dilesenkan untuk dijual di negara anda.
blocked-category-restricted = Produk jenis ini tidak boleh dijual di negara anda.
blocked-age-gate = Produk ini hanya boleh dijual selepas semakan umur, yang tidak tersedia di sini.
blocked-other = Produk ini tidak boleh ditawarkan di negara anda.
