## Try-on page

title = ลองสวมเสมือนจริง
storefront = ร้านค้า
preview-alt = ตัวอย่างการลองสวมของคุณ
hint = เลือกสินค้า แล้วเปิดกล้องหรืออัปโหลดรูปภาพ
product = สินค้า
everyone = ให้ทุกคนในภาพลองสวม
start = เปิดกล้อง
stop = หยุด
upload = อัปโหลดรูปภาพ
still-heading = เก็บภาพนิ่ง
take-still = ถ่ายภาพนิ่ง
download = ดาวน์โหลด
share = แชร์
still-note = ภาพนิ่งจะอยู่ในอุปกรณ์ของคุณเท่านั้น ไม่มีการอัปโหลดเพื่อแชร์
privacy = ความเป็นส่วนตัวของคุณ
regions = ภาพจะถูกประมวลผลเฉพาะใน:
nothing-stored = ไม่มีการจัดเก็บข้อมูลใด ๆ
policy = นโยบาย
any-region = ทุกภูมิภาค
price-on-request = สอบถามราคา
ask = อนุญาตให้ลองสวมเสมือนจริงหรือไม่
decline = ไม่ใช่ตอนนี้
allow = อนุญาต
declined = การลองสวมยังปิดอยู่ ไม่มีการส่งข้อมูลใด ๆ คุณเริ่มใหม่ได้ทุกเมื่อ
unreachable = ไม่สามารถเชื่อมต่อบริการลองสวมได้
no-face = ไม่พบใบหน้าในภาพนี้ โปรดหันหน้าเข้ากล้องในที่ที่มีแสงเพียงพอ
no-camera = เบราว์เซอร์นี้เข้าถึงกล้องที่นี่ไม่ได้ โปรดอัปโหลดรูปภาพแทน
camera-unavailable = กล้องไม่พร้อมใช้งาน โปรดอัปโหลดรูปภาพแทน
unreadable = ไฟล์นี้ไม่ใช่รูปภาพที่หน้านี้อ่านได้ (JPEG, PNG หรือ WebP)
upload-again = อัปโหลดรูปภาพอีกครั้งเพื่อลองสินค้านี้
share-title = การลองสวมของฉัน

## Storefront page

store-title = ร้านค้าสาธิต Meridian
store-intro = ร้านค้าสาธิต: ทุกภาพเป็นเวอร์ชันที่แบ็กเอนด์ GPU ประจำภูมิภาคสร้างขึ้นและส่งจากแคชที่เอดจ์
unavailable = ไม่มีจำหน่ายในตลาดของคุณ
unavailable-why = เพราะอะไร
store-free-shipping = ส่งฟรีสัปดาห์นี้
store-recommended = แนะนำสำหรับคุณ
store-why-recommended = เหตุผล:
store-presets = รูปแบบ
store-preset = รูปแบบ
store-url = URL
store-format-square = สี่เหลี่ยมจัตุรัส 1080
store-format-story = สตอรี่
store-credit = ภาพถ่าย: การประกวดวอลเปเปอร์ Ubuntu (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0 แหล่งที่มา:
# $available: how many products the page offers in the shopper's market.
store-products = มีสินค้า { $available } รายการในตลาดของคุณ

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] ราคารวมภาษี
       *[exclusive] ราคาไม่รวมภาษี
    } · นโยบาย { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = ลองสวม
widget-tryon-unavailable = สินค้านี้ไม่มีบริการลองสวมเสมือนจริง
widget-recommended = แนะนำสำหรับคุณ
widget-popular = ยอดนิยมตอนนี้

## Why a product is not offered (storefront and widget)

product-unknown = ไม่พบสินค้า
product-unknown-detail = สินค้านี้ไม่อยู่ในแคตตาล็อกของร้าน
blocked-embargoed = มาตรการคว่ำบาตรทางการค้าไม่อนุญาตให้จำหน่ายสินค้านี้ในพื้นที่ของคุณ
blocked-territory-not-licensed = สินค้านี้ไม่ได้รับอนุญาตให้จำหน่ายในประเทศของคุณ
blocked-category-restricted = ไม่อนุญาตให้จำหน่ายสินค้าประเภทนี้ในประเทศของคุณ
blocked-age-gate = สินค้านี้จำหน่ายได้หลังการตรวจสอบอายุเท่านั้น ซึ่งไม่มีให้บริการที่นี่
blocked-other = ไม่สามารถเสนอขายสินค้านี้ในประเทศของคุณได้
