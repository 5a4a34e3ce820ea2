## Try-on page

title = Thử đồ ảo
storefront = Cửa hàng
preview-alt = Xem trước bản thử của bạn
hint = Chọn một sản phẩm, rồi bật camera hoặc tải ảnh lên.
product = Sản phẩm
everyone = Thử cho mọi người trong khung hình
start = Bật camera
stop = Dừng
upload = Tải ảnh lên
still-heading = Giữ lại ảnh
take-still = Chụp ảnh
download = Tải xuống
share = Chia sẻ
still-note = Ảnh chỉ nằm trên thiết bị của bạn: không có gì được tải lên để chia sẻ.
privacy = Quyền riêng tư của bạn
regions = Hình ảnh chỉ được xử lý tại:
nothing-stored = Không lưu trữ gì.
policy = Chính sách
any-region = mọi khu vực
price-on-request = giá liên hệ
ask = Cho phép thử đồ ảo?
decline = Để sau
allow = Cho phép
declined = Tính năng thử vẫn tắt: chưa có gì được gửi. Bạn có thể bắt đầu lại bất cứ lúc nào.
unreachable = Không thể kết nối tới dịch vụ thử đồ.
no-face = Không tìm thấy khuôn mặt trong khung hình này: hãy nhìn vào camera ở nơi đủ sáng.
no-camera = Trình duyệt này không truy cập được camera ở đây: hãy tải ảnh lên.
camera-unavailable = Camera không khả dụng: hãy tải ảnh lên.
unreadable = Tệp này không phải ảnh mà trang có thể đọc (JPEG, PNG hoặc WebP).
upload-again = Hãy tải ảnh lên lại để thử sản phẩm này.
share-title = Ảnh thử đồ của tôi

## Storefront page

store-title = Cửa hàng demo Meridian
store-intro = Cửa hàng demo: mỗi hình ảnh là một phiên bản do máy chủ GPU khu vực tạo ra và được phân phối từ bộ nhớ đệm biên.
unavailable = Không có tại thị trường của bạn
unavailable-why = Tại sao?
store-free-shipping = Miễn phí vận chuyển tuần này
store-recommended = Gợi ý cho bạn
store-why-recommended = Lý do:
store-presets = Định dạng
store-preset = Định dạng
store-url = URL
store-format-square = Vuông 1080
store-format-story = Tin
store-credit = Ảnh: cuộc thi hình nền Ubuntu (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Nguồn:
# $available: how many products the page offers in the shopper's market.
store-products = { $available } sản phẩm có sẵn tại thị trường của bạn

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] giá đã gồm thuế
       *[exclusive] giá chưa gồm thuế
    } · chính sách { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Thử ngay
widget-tryon-unavailable = Sản phẩm này không hỗ trợ thử ảo.
widget-recommended = Gợi ý cho bạn
widget-popular = Đang được ưa chuộng

## Why a product is not offered (storefront and widget)

product-unknown = Không tìm thấy sản phẩm
product-unknown-detail = Sản phẩm này không có trong danh mục của cửa hàng.
blocked-embargoed = Các biện pháp trừng phạt thương mại không cho phép bán sản phẩm này tại nơi bạn ở.
blocked-territory-not-licensed = Sản phẩm này không được cấp phép bán tại quốc gia của bạn.
blocked-category-restricted = Sản phẩm loại này không được phép bán tại quốc gia của bạn.
blocked-age-gate = Sản phẩm này chỉ được bán sau khi xác minh độ tuổi, nhưng tại đây không có dịch vụ đó.
blocked-other = Sản phẩm này không thể được cung cấp tại quốc gia của bạn.
