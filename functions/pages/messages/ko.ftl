## Try-on page

title = 가상 착용
storefront = 스토어
preview-alt = 착용 미리보기
hint = 상품을 선택한 다음 카메라를 켜거나 사진을 업로드하세요.
product = 상품
everyone = 화면 속 모든 사람에게 착용
start = 카메라 켜기
stop = 중지
upload = 사진 업로드
still-heading = 정지 화면 저장
take-still = 정지 화면 찍기
download = 다운로드
share = 공유
still-note = 정지 화면은 기기에만 남습니다. 공유를 위해 업로드되지 않습니다.
privacy = 개인정보 보호
regions = 이미지는 다음 지역에서만 처리됩니다:
nothing-stored = 아무것도 저장되지 않습니다.
policy = 정책
any-region = 모든 지역
price-on-request = 가격 문의
ask = 가상 착용을 허용하시겠습니까?
decline = 나중에
allow = 허용
declined = 착용 기능이 꺼져 있습니다. 아무것도 전송되지 않았습니다. 언제든지 다시 시작할 수 있습니다.
unreachable = 착용 서비스에 연결할 수 없습니다.
no-face = 이 이미지에서 얼굴을 찾지 못했습니다. 밝은 곳에서 카메라를 바라봐 주세요.
no-camera = 이 브라우저에서는 카메라를 사용할 수 없습니다. 대신 사진을 업로드하세요.
camera-unavailable = 카메라를 사용할 수 없습니다. 대신 사진을 업로드하세요.
unreadable = 이 페이지에서 읽을 수 없는 사진 파일입니다 (JPEG, PNG, WebP 지원).
upload-again = 이 상품을 착용해 보려면 사진을 다시 업로드하세요.
share-title = 내 가상 착용

## Storefront page

store-title = Meridian 데모 스토어
store-intro = 데모 스토어: 모든 이미지는 지역 GPU 백엔드가 만든 버전이며 엣지 캐시에서 제공됩니다.
unavailable = 내 시장에서는 구매할 수 없습니다
unavailable-why = 이유
store-free-shipping = 이번 주 무료 배송
store-recommended = 추천 상품
store-why-recommended = 추천 이유:
store-presets = 프리셋
store-preset = 프리셋
store-url = URL
store-format-square = 1080 정사각형
store-format-story = 스토리
store-credit = 사진: Ubuntu 배경화면 공모전(Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. 출처:
# $available: how many products the page offers in the shopper's market.
store-products = 내 시장에서 구매 가능한 상품 { $available }개

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] 세금 포함 가격
       *[exclusive] 세금 별도 가격
    } · 정책 { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = 착용해 보기
widget-tryon-unavailable = 이 상품은 가상 착용을 지원하지 않습니다.
widget-recommended = 추천 상품
widget-popular = 지금 인기 있는 상품

## Why a product is not offered (storefront and widget)

product-unknown = 상품을 찾을 수 없습니다
product-unknown-detail = 이 상품은 매장 카탈로그에 없습니다.
blocked-embargoed = 무역 제재로 인해 고객님의 지역에서는 이 상품을 판매할 수 없습니다.
blocked-territory-not-licensed = 이 상품은 고객님의 국가에서 판매 라이선스가 없습니다.
blocked-category-restricted = 이 종류의 상품은 고객님의 국가에서 판매할 수 없습니다.
blocked-age-gate = 이 상품은 연령 확인 후에만 판매할 수 있으며, 여기서는 연령 확인을 이용할 수 없습니다.
blocked-other = 이 상품은 고객님의 국가에서 제공할 수 없습니다.
