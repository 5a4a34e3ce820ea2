## Try-on page

title = Виртуальная примерка
storefront = Магазин
preview-alt = Предпросмотр вашей примерки
hint = Выберите товар, затем включите камеру или загрузите фото.
product = Товар
everyone = Примерить на всех в кадре
start = Включить камеру
stop = Остановить
upload = Загрузить фото
still-heading = Сохранить кадр
take-still = Сделать снимок
download = Скачать
share = Поделиться
still-note = Снимки остаются на вашем устройстве: чтобы поделиться ими, ничего не загружается на сервер.
privacy = Ваша конфиденциальность
regions = Кадры обрабатываются только здесь:
nothing-stored = Ничего не сохраняется.
policy = Политика
any-region = любой регион
price-on-request = цена по запросу
ask = Разрешить виртуальную примерку?
decline = Не сейчас
allow = Разрешить
declined = Примерка выключена: ничего не отправлено. Вы можете начать заново в любой момент.
unreachable = Не удалось подключиться к сервису примерки.
no-face = В кадре не найдено лицо: посмотрите в камеру при хорошем освещении.
no-camera = У этого браузера здесь нет доступа к камере: загрузите фото.
camera-unavailable = Камера недоступна: загрузите фото.
unreadable = Эта страница не может открыть этот файл как фото (поддерживаются JPEG, PNG и WebP).
upload-again = Загрузите фото ещё раз, чтобы примерить этот товар.
share-title = Моя примерка

## Storefront page

store-title = Демомагазин Meridian
store-intro = Демомагазин: каждое изображение — это вариант, созданный региональным GPU-бэкендом и отданный из edge-кэша.
unavailable = Недоступно на вашем рынке
unavailable-why = Почему?
store-free-shipping = Бесплатная доставка на этой неделе
store-recommended = Рекомендуем
store-why-recommended = Почему:
store-presets = Форматы
store-preset = Формат
store-url = URL
store-format-square = Квадрат 1080
store-format-story = Сторис
store-credit = Фотографии: конкурс обоев Ubuntu (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Источники:
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [one] На вашем рынке доступен { $available } товар
        [few] На вашем рынке доступны { $available } товара
        [many] На вашем рынке доступно { $available } товаров
       *[other] На вашем рынке доступно { $available } товара
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] цены с учётом налогов
       *[exclusive] цены без учёта налогов
    } · политика { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Примерить
widget-tryon-unavailable = Для этого товара виртуальная примерка недоступна.
widget-recommended = Рекомендуем вам
widget-popular = Популярное сейчас

## Why a product is not offered (storefront and widget)

product-unknown = Товар не найден
product-unknown-detail = Этого товара нет в каталоге магазина.
blocked-embargoed = Торговые санкции не позволяют продавать этот товар там, где вы находитесь.
blocked-territory-not-licensed = У этого товара нет лицензии на продажу в вашей стране.
blocked-category-restricted = Товары такого рода нельзя продавать в вашей стране.
blocked-age-gate = Этот товар можно продать только после проверки возраста, а здесь она недоступна.
blocked-other = Этот товар нельзя предложить в вашей стране.
