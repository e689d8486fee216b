# One image for web, worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_ENV=production \
    WORQ_VAR_DIR=/var/lib/worq \
    STATIC_ROOT=/app/staticfiles

# WeasyPrint needs Pango; fonts-noto-cjk is a system fallback for Japanese
# (PDFs use the IPAex font bundled in the repository).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk postgresql-client \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

COPY . .
RUN useradd --system --home /app worq \
 && mkdir -p /var/lib/worq \
 && SECRET_KEY=collectstatic-only-$(python -c 'import secrets; print(secrets.token_urlsafe(64))') \
    python manage.py collectstatic --noinput \
 && chown -R worq /var/lib/worq
USER worq

EXPOSE 8000
# Bind, workers, timeouts and request limits: gunicorn.conf.py (read from /app).
CMD ["gunicorn", "worq.wsgi:application"]
