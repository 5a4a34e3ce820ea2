## Try-on page

title = Coba virtual
storefront = Toko
preview-alt = Pratinjau coba virtual Anda
hint = Pilih produk, lalu nyalakan kamera atau unggah foto.
product = Produk
everyone = Pakaikan ke semua orang di gambar
start = Nyalakan kamera
stop = Berhenti
upload = Unggah foto
still-heading = Simpan gambar
take-still = Ambil gambar
download = Unduh
share = Bagikan
still-note = Gambar tetap di perangkat Anda: tidak ada yang diunggah untuk dibagikan.
privacy = Privasi Anda
regions = Gambar hanya diproses di:
nothing-stored = Tidak ada yang disimpan.
policy = Kebijakan
any-region = wilayah mana pun
price-on-request = harga atas permintaan
ask = Izinkan coba virtual?
decline = Nanti saja
allow = Izinkan
declined = Coba virtual tetap nonaktif: tidak ada yang dikirim. Anda dapat memulai lagi kapan saja.
unreachable = Layanan coba virtual tidak dapat dihubungi.
no-face = Tidak ada wajah di gambar ini: hadapkan wajah ke kamera dengan cahaya yang cukup.
no-camera = Browser ini tidak memiliki akses kamera di sini: unggah foto sebagai gantinya.
camera-unavailable = Kamera tidak tersedia: unggah foto sebagai gantinya.
unreadable = File itu bukan foto yang dapat dibaca halaman ini (JPEG, PNG, atau WebP).
upload-again = Unggah foto lagi untuk mencoba produk ini.
share-title = Coba virtual saya

## Storefront page

store-title = Toko demo Meridian
store-intro = Toko demo: setiap gambar adalah versi yang dibuat oleh backend GPU regional dan disajikan dari cache edge.
unavailable = Tidak tersedia di pasar Anda
unavailable-why = Mengapa?
store-free-shipping = Gratis ongkir minggu ini
store-recommended = Rekomendasi
store-why-recommended = Alasan:
store-presets = Format
store-preset = Format
store-url = URL
store-format-square = Persegi 1080
store-format-story = Story
store-credit = Foto: kontes wallpaper Ubuntu (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Sumber:
# $available: how many products the page offers in the shopper's market.
store-products = { $available } produk tersedia di pasar Anda

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] harga termasuk pajak
       *[exclusive] harga belum termasuk pajak
    } · kebijakan { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Coba pakai
widget-tryon-unavailable = Coba virtual tidak tersedia untuk produk ini.
widget-recommended = Rekomendasi untuk Anda
widget-popular = Populer saat ini

## Why a product is not offered (storefront and widget)

product-unknown = Produk tidak ditemukan
product-unknown-detail = Produk ini tidak ada di katalog toko.
blocked-embargoed = Sanksi perdagangan tidak mengizinkan produk ini dijual di lokasi Anda.
blocked-territory-not-licensed = Produk ini tidak berlisensi untuk dijual di negara Anda.
blocked-category-restricted = Produk jenis ini tidak boleh dijual di negara Anda.
blocked-age-gate = Produk ini hanya boleh dijual setelah verifikasi usia, yang tidak tersedia di sini.
blocked-other = Produk ini tidak dapat ditawarkan di negara Anda.
